// Sending several statements in one round trip with libpq's pipeline mode.

import BridgeCore
import CPostgres

extension PostgresConnection {
    /// Runs `statements` in order, sending them all before reading any answer, and returns
    /// their rows, in order.
    ///
    /// They run as the statements of `execute` would, in the open transaction if there is one;
    /// the difference is that the connection waits for the server once, not once per statement.
    /// A statement that fails makes the server skip the rest up to the pipeline's end, and this
    /// throws that first failure (a skipped statement is not a failure of its own). Every
    /// answer is read up to the end before it throws, so the connection is usable afterwards;
    /// when that cannot be done it is marked out of step and reopened on its next use.
    ///
    /// libpq writes in blocking mode here, and while a write waits it reads the server's
    /// answers into memory, so a long pipeline cannot wedge both sides on full buffers.
    /// - Throws: `PostgresFailure`; nothing is sent when a parameter cannot be (a NUL in text).
    func pipeline(_ statements: [Statement]) throws -> [PostgresResult] {
        let live = try liveHandle()
        // Every value is checked before anything is sent, so a bad one leaves no half-sent pipeline.
        let prepared = try statements.map { statement in
            (sql: statement.sql, parameters: try Self.textForms(of: statement.parameters))
        }
        guard !prepared.isEmpty else {
            return []
        }

        guard PQenterPipelineMode(live) == 1 else {
            throw outOfStep(on: live, "cannot enter pipeline mode")
        }
        roundTrips += 1
        // A statement's first use in this session prepares it on the server in the same round
        // trip; later uses skip the server's parsing and planning. `prepares` lists, in sending
        // order, each prepare sent, just before its statement's first run.
        var prepares: [(sql: String, name: String)] = []
        var sentPrepare: [Bool] = []
        for statement in prepared {
            var name = preparedNames[statement.sql] ?? prepares.first { $0.sql == statement.sql }?.name
            if name == nil, preparedNames.count + prepares.count < Self.maxPreparedStatements {
                let fresh = "bridge_\(preparedNames.count + prepares.count + 1)"
                guard PQsendPrepare(live, fresh, statement.sql, statement.parameters.count, nil) == 1 else {
                    throw outOfStep(on: live, "a pipelined statement could not be prepared")
                }
                prepares.append((statement.sql, fresh))
                sentPrepare.append(true)
                name = fresh
            }
            let sent = Self.withCStrings(statement.parameters.texts) { values in
                if let name {
                    PQsendQueryPrepared(live, name, statement.parameters.count, values, nil, nil, 0)
                } else {
                    PQsendQueryParams(live, statement.sql, statement.parameters.count, nil, values, nil, nil, 0)
                }
            }
            guard sent == 1 else {
                throw outOfStep(on: live, "a pipelined statement could not be sent")
            }
            sentPrepare.append(false)
        }
        guard PQpipelineSync(live) == 1 else {
            throw outOfStep(on: live, "the end of a pipeline could not be sent")
        }

        let answers = readAnswers(count: sentPrepare.count, on: live)
        guard answers.count == sentPrepare.count, Self.readSync(on: live), PQexitPipelineMode(live) == 1 else {
            for answer in answers {
                PQclear(answer)
            }
            throw outOfStep(on: live, "a pipeline's answers did not arrive as sent")
        }
        do {
            return try checkedAll(statementAnswers(answers, sentPrepare: sentPrepare, prepares: prepares), on: live)
        } catch let failure as PostgresFailure where failure.sqlState.map(Self.namesOutOfStep.contains) == true {
            // The session's statements are not the ones `preparedNames` lists: something ran
            // `DEALLOCATE`/`DISCARD ALL` (a pooler's reset, say). Left alone, every later
            // pipeline would fail the same way; a new session starts with none, as the list does.
            throw outOfStep(on: live, "the session's prepared statements changed behind its back")
        }
    }

    /// `invalid_sql_statement_name` (a listed statement is gone) and `duplicate_prepared_statement`
    /// (an unlisted one is there).
    private static let namesOutOfStep: Set<String> = ["26000", "42P05"]

    /// Most statements one session keeps prepared; SQL beyond them is sent unprepared, so a
    /// caller that builds SQL text cannot grow the server's memory or this table without end.
    static let maxPreparedStatements = 64

    /// The answers to the statements themselves, in order, with the prepares' answers taken
    /// out. A prepare that succeeded is remembered whatever became of the rest (the server
    /// keeps it across rollbacks). A failed one takes the place of its statement's answer,
    /// which is only `PGRES_PIPELINE_ABORTED`, so the cause is what gets reported.
    private func statementAnswers(
        _ answers: [OpaquePointer],
        sentPrepare: [Bool],
        prepares: [(sql: String, name: String)]
    ) -> [OpaquePointer] {
        guard !prepares.isEmpty else {
            return answers
        }
        var remaining = prepares[...]
        var statements: [OpaquePointer] = []
        var failedPrepare: OpaquePointer?
        for (answer, isPrepare) in zip(answers, sentPrepare) {
            guard isPrepare, let prepare = remaining.popFirst() else {
                if let failed = failedPrepare {
                    statements.append(failed)
                    failedPrepare = nil
                    PQclear(answer)
                } else {
                    statements.append(answer)
                }
                continue
            }
            if PQresultStatus(answer) == PGRES_COMMAND_OK {
                preparedNames[prepare.sql] = prepare.name
                PQclear(answer)
            } else {
                failedPrepare = answer
            }
        }
        return statements
    }

    /// The first result of each of `count` statements, in order; shorter when an answer is
    /// missing (the connection broke) or out of place.
    ///
    /// libpq ends each statement's results with a null; a statement skipped after a failure
    /// still gets one result, `PGRES_PIPELINE_ABORTED`.
    private func readAnswers(count: Int, on live: OpaquePointer) -> [OpaquePointer] {
        var answers: [OpaquePointer] = []
        answers.reserveCapacity(count)
        for _ in 0..<count {
            guard let first = PQgetResult(live), PQresultStatus(first) != PGRES_PIPELINE_SYNC else {
                return answers
            }
            answers.append(first)
            while let extra = PQgetResult(live) {
                PQclear(extra)
            }
        }
        return answers
    }

    /// Reads the pipeline's end marker; false when something else came.
    private static func readSync(on live: OpaquePointer) -> Bool {
        guard let sync = PQgetResult(live) else {
            return false
        }
        defer { PQclear(sync) }
        return PQresultStatus(sync) == PGRES_PIPELINE_SYNC
    }

    /// The answers as results, or the first failure among them; clears every answer either way.
    private func checkedAll(_ answers: [OpaquePointer], on live: OpaquePointer) throws -> [PostgresResult] {
        var results: [PostgresResult] = []
        results.reserveCapacity(answers.count)
        for (index, answer) in answers.enumerated() {
            do {
                results.append(try checked(answer, on: live))
            } catch {
                for unread in answers.dropFirst(index + 1) {
                    PQclear(unread)
                }
                throw error
            }
        }
        return results
    }

    /// Marks the connection for reopening and returns the failure to throw.
    ///
    /// It counts as a lost connection, whether or not the socket is still open: the work
    /// cannot have committed (the transaction dies with the connection), so running it again
    /// on a fresh connection is safe.
    private func outOfStep(on live: OpaquePointer, _ what: String) -> PostgresFailure {
        isOutOfStep = true
        return PostgresFailure(connectionLostWith: Self.errorText(of: live), context: what)
    }
}

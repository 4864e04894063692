// The fast path of an append on PostgreSQL: a whole batch written in the round trip that locks
// its sequences, on the bet that every event in it is accepted.

import BridgeCore

extension PostgresStore {
    /// The statements that write a batch as if every event in it were accepted, and which of
    /// them must each return one row for the bet to hold.
    struct AllAcceptedBet {
        var statements: [PostgresConnection.Statement]
        /// Per event, the index of its insert; the inserts return the `seq` they took.
        var inserts: [Int]
        /// The indexes of the version claims.
        var claims: [Int]
    }

    /// Writes `batch` as if every event in it were accepted. The statements go out right after
    /// the batch's sequence locks, in the same pipeline, so they cannot know the locked numbers:
    /// each insert reads its organisation's locked `last_seq` itself and adds the event's place
    /// among the batch's events of that organisation, and the sequences are advanced by those
    /// counts at the end.
    ///
    /// Otherwise the statements are the per-event path's, in its order: each event inserted,
    /// its version claimed, then the sequences saved and the acknowledgements queued, so locks
    /// are taken in the same order as there and a rival instance sees the same waits. An event
    /// that is a duplicate (also within the batch) inserts nothing and a stale or conflicting
    /// one claims nothing; either shows as a statement that returned no row, which is all
    /// `allAcceptedOutcomes` checks. The statements after such an event ran on a wrong
    /// assumption, which is why the caller must then undo them all.
    static func allAcceptedStatements(
        _ batch: [IncomingEvent],
        outboxFor ackSources: Set<String>,
        createdAt: Int64
    ) -> AllAcceptedBet {
        var bet = AllAcceptedBet(statements: [], inserts: [], claims: [])
        var counts: [String: Int64] = [:]
        var outcomes: [AppendOutcome] = []
        for incoming in batch {
            let offset = counts[incoming.event.orgID, default: 0] + 1
            counts[incoming.event.orgID] = offset
            bet.inserts.append(bet.statements.count)
            bet.statements.append(insertEvent(incoming, seq: .afterLocked(offset: offset), createdAt: createdAt))
            if incoming.event.version != nil {
                bet.claims.append(bet.statements.count)
                bet.statements.append(claimVersion(of: incoming.event))
            }
            // The acknowledgement rows need the outcome's kind and event id, not its `seq`.
            outcomes.append(accepted(incoming, seq: 0))
        }
        for (orgID, count) in counts.sorted(by: { $0.key < $1.key }) {
            bet.statements.append(
                PostgresConnection.Statement(
                    "UPDATE org_sequences SET last_seq = last_seq + $2 WHERE org_id = $1",
                    [.text(orgID), .integer(count)]
                )
            )
        }
        bet.statements += acknowledgementStatements(batch, outcomes, for: ackSources, createdAt: createdAt)
        return bet
    }

    /// The batch's outcomes when the bet held, with the `seq` each insert took; nil when an
    /// event was not accepted, after which the caller must roll back what the bet wrote and
    /// decide event by event.
    static func allAcceptedOutcomes(
        _ batch: [IncomingEvent],
        bet: AllAcceptedBet,
        results: [PostgresResult]
    ) throws -> [AppendOutcome]? {
        let answered = { (index: Int) in results.indices.contains(index) && results[index].rowCount == 1 }
        guard bet.inserts.count == batch.count, bet.inserts.allSatisfy(answered), bet.claims.allSatisfy(answered) else {
            return nil
        }
        return try zip(batch, bet.inserts).map { incoming, index in
            accepted(incoming, seq: try results[index].int64(row: 0, column: 0))
        }
    }
}

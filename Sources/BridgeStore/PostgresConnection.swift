// One libpq connection: parameterised statements, transactions, retries and reconnecting.

import BridgeCore
import CPostgres
import Foundation

/// An open `PGconn`, used by one thread at a time.
///
/// The pool lends each connection to one borrower at a time and the borrower hands it back
/// before anyone else may take it; that exclusive hand-over, not a lock in here, is what makes
/// passing it between threads safe (hence `@unchecked Sendable`). libpq itself is thread-safe
/// as long as one `PGconn` is not used by two threads at once.
final class PostgresConnection: @unchecked Sendable {
    /// A value for a `$n` parameter, sent to the server in text format.
    enum Value {
        /// A 64-bit integer.
        case integer(Int64)
        /// UTF-8 text; PostgreSQL cannot store a NUL character in it.
        case text(String)
        /// `true` or `false`.
        case boolean(Bool)
        /// SQL `NULL`.
        case null

        /// `.integer`, or `.null` when absent.
        static func integer(_ value: Int64?) -> Value {
            value.map(Value.integer) ?? .null
        }

        /// `.text`, or `.null` when absent.
        static func text(_ value: String?) -> Value {
            value.map(Value.text) ?? .null
        }

        /// The text the server parses, or nil for `NULL`.
        ///
        /// - Throws: `PostgresFailure` for text with a NUL character: libpq would cut it short
        ///   there and store something else than what was given.
        func textForm() throws -> String? {
            switch self {
            case .integer(let number):
                return String(number)
            case .text(let text):
                guard !text.utf8.contains(0) else {
                    throw PostgresFailure(
                        StoreError(.failed, "a text value contains a NUL character, which PostgreSQL cannot store")
                    )
                }
                return text
            case .boolean(let flag):
                return flag ? "true" : "false"
            case .null:
                return nil
            }
        }
    }

    /// One statement and the values for its `$1`, `$2`, … parameters.
    struct Statement {
        /// The SQL text; values never go into it, only into `parameters`.
        let sql: String
        /// The values bound to `$1`, `$2`, … in order.
        let parameters: [Value]

        init(_ sql: String, _ parameters: [Value] = []) {
            self.sql = sql
            self.parameters = parameters
        }
    }

    /// Settings applied before the URL's own, so that the URL may override them.
    ///
    /// The TCP limits make a server that vanished without closing the connection (a dead host,
    /// a dropped route) fail a call within about 15 seconds instead of the kernel's minutes.
    private static let defaultSettings = [
        ("connect_timeout", "5"),
        ("application_name", "order-bridge"),
        ("keepalives_idle", "10"),
        ("keepalives_interval", "5"),
        ("keepalives_count", "2"),
        ("tcp_user_timeout", "15000"),
    ]

    private var handle: OpaquePointer?

    /// Set when a pipeline went out of step with the server: the connection may still be
    /// open, but its protocol state is unknown, so it is reopened before its next use.
    var isOutOfStep = false

    /// Server-side prepared statements of this session, by SQL text (see `pipeline`). The
    /// server forgets them when the session ends, so `reset()` empties this too.
    var preparedNames: [String: String] = [:]

    /// Requests sent that waited for the server's answer: one per `execute`, one per pipeline.
    /// Tests read it to check how many times a piece of work waits for the database.
    var roundTrips = 0

    /// Connects to the database `url` names, waiting at most its `connect_timeout` (5 s unless
    /// the URL says otherwise).
    ///
    /// - Throws: `PostgresFailure` with `connectionLost` when the server cannot be reached or
    ///   refuses the connection.
    init(url: String) throws {
        // Text always travels as UTF-8, whatever the URL or the server's default says.
        let settings = Self.defaultSettings + [("dbname", url), ("client_encoding", "UTF8")]
        let connection = Self.withCStrings(settings.map(\.0) + [nil]) { keywords in
            Self.withCStrings(settings.map(\.1) + [nil]) { values in
                PQconnectdbParams(keywords, values, 1)
            }
        }
        guard let connection else {
            throw PostgresFailure(connectionLostWith: "libpq could not allocate a connection", context: Self.connecting)
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.errorText(of: connection)
            PQfinish(connection)
            throw PostgresFailure(connectionLostWith: message, context: Self.connecting)
        }
        // Notices ("relation already exists, skipping") are not errors; libpq would print them
        // to standard error, where they would pass for the service's own output.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        handle = connection
    }

    deinit {
        close()
    }

    /// Checks that libpq can read `url`, without connecting.
    ///
    /// - Throws: `StoreError` `.configuration`; libpq's own complaint is left out because it
    ///   may quote the URL, password included.
    static func validate(url: String) throws {
        guard !url.utf8.contains(0) else {
            throw StoreError(.configuration, "the PostgreSQL URL contains a NUL character")
        }
        var complaint: UnsafeMutablePointer<CChar>?
        let options = PQconninfoParse(url, &complaint)
        if let complaint {
            PQfreemem(complaint)
        }
        guard let options else {
            throw StoreError(.configuration, "libpq cannot read the PostgreSQL URL")
        }
        PQconninfoFree(options)
    }

    /// Whether the connection is open and was fine after its last use.
    var isHealthy: Bool {
        !isOutOfStep && handle.map { PQstatus($0) == CONNECTION_OK } ?? false
    }

    /// Runs one statement with `parameters` bound to `$1`, `$2`, … and returns its rows.
    func execute(_ sql: String, _ parameters: [Value] = []) throws -> PostgresResult {
        let live = try liveHandle()
        let (texts, count) = try Self.textForms(of: parameters)
        roundTrips += 1
        let result = Self.withCStrings(texts) { values in
            PQexecParams(live, sql, count, nil, values, nil, nil, 0)
        }
        return try checked(result, on: live)
    }

    /// Runs fixed SQL text, possibly several statements, with no parameters.
    /// Only for SQL written in this module: values always go through `execute(_:_:)`.
    func executeScript(_ sql: String) throws {
        let live = try liveHandle()
        roundTrips += 1
        _ = try checked(PQexec(live, sql), on: live)
    }

    /// Runs `body` between `BEGIN` and `COMMIT`, rolling back if anything throws.
    ///
    /// A `COMMIT` whose answer is lost with the connection is marked `duringCommit`: it may
    /// have committed, so it must not be retried blindly.
    func transaction<Result>(_ body: () throws -> Result) throws -> Result {
        try transaction(openingWith: []) { _ in try body() }
    }

    /// Runs a transaction whose `BEGIN` travels with `opening` in one round trip; `body` gets
    /// the opening statements' results, in order. Failures are those of `transaction(_:)`.
    func transaction<Result>(
        openingWith opening: [Statement],
        _ body: ([PostgresResult]) throws -> Result
    ) throws -> Result {
        let result: Result
        do {
            let begun = try opening.isEmpty ? [execute("BEGIN")] : pipeline([Statement("BEGIN")] + opening)
            result = try body(Array(begun.dropFirst()))
        } catch {
            rollbackIfOpen()
            throw error
        }

        do {
            _ = try execute("COMMIT")
        } catch var failure as PostgresFailure where failure.connectionLost {
            failure.duringCommit = true
            throw failure
        }
        return result
    }

    /// Runs `body` up to `attempts` times while it fails in a way worth retrying: a lost race
    /// (serialization failure, deadlock) or a broken connection, which is reset first.
    func retrying<Result>(attempts: Int, _ body: () throws -> Result) throws -> Result {
        var attempt = 1
        while true {
            do {
                return try body()
            } catch let failure as PostgresFailure where failure.isRetryable && attempt < attempts {
                if failure.connectionLost {
                    try reset()
                } else {
                    // Rivals that deadlocked would collide again if they restarted in step.
                    usleep(UInt32.random(in: 1_000...5_000) * UInt32(attempt))
                }
                attempt += 1
            }
        }
    }

    /// Reconnects with the original settings when the connection is not healthy.
    ///
    /// - Throws: `PostgresFailure` with `connectionLost` when the server is still unreachable.
    func reconnectIfNeeded() throws {
        guard !isHealthy else {
            return
        }
        try reset()
    }

    /// Closes the connection; later calls throw `StoreError` `.unavailable`.
    func close() {
        if let live = handle {
            PQfinish(live)
            handle = nil
        }
    }

    /// What a connection failure was doing, for messages.
    private static let connecting = "cannot connect to PostgreSQL"

    /// Drops and reopens the connection.
    private func reset() throws {
        let live = try liveHandle()
        PQreset(live)
        isOutOfStep = false
        preparedNames = [:]
        guard PQstatus(live) == CONNECTION_OK else {
            throw PostgresFailure(
                connectionLostWith: Self.errorText(of: live),
                context: "cannot reconnect to PostgreSQL"
            )
        }
    }

    /// Ends an open or failed transaction. A failed `ROLLBACK` is not worth reporting over the
    /// original error: the server rolls back by itself when the connection goes.
    /// A connection out of step is left alone: reopening it ends the transaction anyway.
    func rollbackIfOpen() {
        guard let live = handle, !isOutOfStep else {
            return
        }
        let status = PQtransactionStatus(live)
        guard status == PQTRANS_INTRANS || status == PQTRANS_INERROR else {
            return
        }
        roundTrips += 1
        PQclear(PQexec(live, "ROLLBACK"))
    }

    /// `result` when the statement succeeded; otherwise clears it and throws what went wrong.
    func checked(_ result: OpaquePointer?, on live: OpaquePointer) throws -> PostgresResult {
        guard let result else {
            throw failure(result: nil, on: live)
        }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let failure = failure(result: result, on: live)
            PQclear(result)
            throw failure
        }
        return PostgresResult(handle: result)
    }

    /// The failure a statement met. Only the server's primary message is kept: its detail
    /// line can quote the values involved (a duplicate key, for one).
    func failure(result: OpaquePointer?, on live: OpaquePointer) -> PostgresFailure {
        guard PQstatus(live) == CONNECTION_OK else {
            return PostgresFailure(
                connectionLostWith: Self.errorText(of: live),
                context: "the connection to PostgreSQL broke"
            )
        }
        let field = { (code: UInt8) -> String? in
            result.flatMap { PQresultErrorField($0, Int32(code)) }.map { String(cString: $0) }
        }
        let message = field(UInt8(ascii: "M")).map(PostgresFailure.safeMessage) ?? Self.errorText(of: live)
        return PostgresFailure(sqlState: field(UInt8(ascii: "C")), message: message, context: "a statement failed")
    }

    /// The open handle, or the error every call gets once the connection is closed.
    func liveHandle() throws -> OpaquePointer {
        guard let handle else {
            throw PostgresFailure(StoreError(.unavailable, "the store is closed"))
        }
        return handle
    }

    /// libpq's last message for `connection`, made safe to repeat.
    static func errorText(of connection: OpaquePointer) -> String {
        PostgresFailure.safeMessage(PQerrorMessage(connection).map { String(cString: $0) } ?? "")
    }

    /// The parameters' text forms and their count, as libpq takes them.
    static func textForms(of parameters: [Value]) throws -> (texts: [String?], count: Int32) {
        let texts = try parameters.map { try $0.textForm() }
        guard let count = Int32(exactly: texts.count) else {
            throw PostgresFailure(StoreError(.failed, "a statement has too many parameters"))
        }
        return (texts, count)
    }

    /// Lends `strings` to C as NUL-terminated copies; nil stays a null pointer.
    static func withCStrings<Result>(
        _ strings: [String?],
        _ body: ([UnsafePointer<CChar>?]) -> Result
    ) -> Result {
        let copies = strings.map { $0.flatMap { strdup($0) } }
        defer {
            for copy in copies {
                free(copy)
            }
        }
        return body(copies.map { $0.map { UnsafePointer($0) } })
    }
}

// The PostgreSQL engine of `EventStore`: a small libpq connection pool shared by all callers.

import BridgeCore
import Foundation

/// Order events in a PostgreSQL database, which several bridge instances may share.
///
/// Every call borrows one connection from a pool for the length of its work (one transaction
/// for a write), so callers on different threads run side by side up to the pool's size and
/// wait, for a bounded time, beyond it. The pool's lock is the only shared state; that is what
/// makes the class `Sendable`. A broken connection is reopened on its next use, so the store
/// recovers by itself when the database comes back.
public final class PostgresStore: EventStore {
    /// Always `postgres`.
    public let engine = "postgres"

    /// Attempts per call when a race with another transaction or a dropped connection is
    /// worth running the work again.
    static let attempts = 4

    let pool: PostgresConnectionPool
    private let migrations: [PostgresMigration]

    /// Connects to the database `url` names (a `postgres://` URL as libpq reads it) and
    /// migrates it.
    ///
    /// `connect_timeout` defaults to 5 seconds and `tcp_user_timeout` to 15 unless the URL
    /// sets them; a free connection is waited for at most 5 seconds.
    /// - Parameter poolSize: the most connections open at once, at least 1.
    /// - Throws: `StoreError` `.configuration` for an unreadable URL or pool size,
    ///   `.unavailable` when the server cannot be reached, `.migration` when the database was
    ///   migrated by a newer build. No message repeats the URL or its password.
    public convenience init(url: String, poolSize: Int = 4) throws {
        try self.init(url: url, poolSize: poolSize, checkoutTimeout: 5, migrations: PostgresMigration.all)
    }

    /// Opens a store with a chosen checkout wait and migration history (tests use these).
    init(
        url: String,
        poolSize: Int = 4,
        checkoutTimeout: Double = 5,
        migrations: [PostgresMigration]
    ) throws {
        guard poolSize >= 1 else {
            throw StoreError(.configuration, "the PostgreSQL pool size must be at least 1")
        }
        try PostgresConnection.validate(url: url)

        let first: PostgresConnection
        do {
            first = try PostgresConnection(url: url)
            _ = try PostgresMigration.apply(migrations, on: first, nowMillis: Self.nowMillis())
        } catch let failure as PostgresFailure {
            throw failure.storeError
        }

        self.migrations = migrations
        self.pool = PostgresConnectionPool(url: url, size: poolSize, checkoutTimeout: checkoutTimeout, first: first)
    }

    /// Applies the migrations this build knows and returns the versions it applied.
    ///
    /// Opening a store already migrates, so this returns `[]` unless another process left the
    /// database behind meanwhile.
    public func migrate() throws -> [Int] {
        try pool.withConnection { connection in
            try PostgresMigration.apply(migrations, on: connection, nowMillis: Self.nowMillis())
        }
    }

    /// Pushed events of `orgID` after `afterSeq`, in `seq` order, at most `limit`.
    ///
    /// - Throws: `StoreError` `.failed` when `limit` is negative.
    public func events(orgID: String, afterSeq: Int64, limit: Int) throws -> [StoredEvent] {
        guard limit >= 0 else {
            throw StoreError(.failed, "the event limit must not be negative")
        }
        guard limit > 0 else {
            return []
        }

        let sql = """
            SELECT \(PostgresEventRow.columns) FROM events
            WHERE org_id = $1 AND seq > $2
            ORDER BY seq
            LIMIT $3
            """
        return try read(sql, [.text(orgID), .integer(afterSeq), .integer(Int64(limit))], PostgresEventRow.decodeAll)
    }

    /// The last `seq` assigned in `orgID`, or 0 when it has none.
    public func latestSeq(orgID: String) throws -> Int64 {
        try read("SELECT last_seq FROM org_sequences WHERE org_id = $1", [.text(orgID)]) { result in
            try result.rowCount > 0 ? result.int64(row: 0, column: 0) : 0
        }
    }

    /// Checks that the database answers a query.
    public func ping() throws {
        try read("SELECT 1", []) { _ in }
    }

    /// Closes the idle connections now and the busy ones when their call ends; every later
    /// call throws `StoreError` `.unavailable`.
    public func close() {
        pool.close()
    }

    /// Runs one read-only statement and decodes its rows. A read is safe to repeat, so a
    /// connection that broke since its last use is reopened and the read tried again.
    func read<Result>(
        _ sql: String,
        _ parameters: [PostgresConnection.Value],
        _ decode: (PostgresResult) throws -> Result
    ) throws -> Result {
        try pool.withConnection { connection in
            try connection.retrying(attempts: Self.attempts) {
                try decode(connection.execute(sql, parameters))
            }
        }
    }

    /// Wall-clock milliseconds since the Unix epoch, for `created_at` columns.
    static func nowMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}

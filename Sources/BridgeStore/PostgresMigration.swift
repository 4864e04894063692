// Versioned schema changes for the PostgreSQL store, applied in order under an advisory lock.

import BridgeCore

/// One step of the schema, recorded in `schema_migrations` once applied.
struct PostgresMigration: Sendable {
    /// Position in the history; versions only ever grow.
    var version: Int
    /// Fixed SQL text, possibly several statements, run inside one transaction.
    var sql: String

    /// Every migration this build knows, oldest first.
    static let all: [PostgresMigration] = [version1, version2, version3]

    /// The advisory lock every bridge takes while migrating ("orderbrd" in ASCII), so that
    /// instances starting together apply each step once and never see half of one.
    static let lockKey: Int64 = 0x6f72_6465_7262_7264

    /// Brings the schema up to the newest of `migrations`, one transaction per step, each
    /// holding the advisory lock until it commits.
    ///
    /// - Returns: the versions applied by this call; empty when the schema was already current.
    /// - Throws: `PostgresFailure` whose error is `.migration` when the database is newer than
    ///   `migrations` or a step fails (that step is rolled back), `.unavailable` when the
    ///   connection breaks.
    static func apply(
        _ migrations: [PostgresMigration],
        on connection: PostgresConnection,
        nowMillis: Int64
    ) throws -> [Int] {
        let known = migrations.map(\.version).max() ?? 0
        try connection.transaction {
            try lock(connection)
            try connection.executeScript(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    applied_at bigint NOT NULL
                )
                """
            )
            try refuseNewer(than: known, current: currentVersion(on: connection))
        }

        var applied: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            // Re-read under the lock: another instance may have migrated meanwhile.
            let didApply = try connection.transaction {
                try lock(connection)
                let current = try currentVersion(on: connection)
                try refuseNewer(than: known, current: current)
                guard current < migration.version else {
                    return false
                }
                try run(migration, on: connection, nowMillis: nowMillis)
                return true
            }
            if didApply {
                applied.append(migration.version)
            }
        }
        return applied
    }

    /// Waits for the migration lock; the transaction's end releases it.
    private static func lock(_ connection: PostgresConnection) throws {
        _ = try connection.execute("SELECT pg_advisory_xact_lock($1)", [.integer(lockKey)])
    }

    /// The highest applied version, 0 for a new database.
    private static func currentVersion(on connection: PostgresConnection) throws -> Int {
        let result = try connection.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        return Int(try result.int64(row: 0, column: 0))
    }

    /// Throws when the database was written by a newer build; running on would corrupt it.
    private static func refuseNewer(than known: Int, current: Int) throws {
        guard current <= known else {
            throw PostgresFailure(
                StoreError(
                    .migration,
                    "the database schema is at version \(current) but this build knows only up to \(known)"
                )
            )
        }
    }

    /// Runs one migration's SQL and records it; the caller's transaction makes both one step.
    private static func run(_ migration: PostgresMigration, on connection: PostgresConnection, nowMillis: Int64) throws
    {
        do {
            try connection.executeScript(migration.sql)
            _ = try connection.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                [.integer(Int64(migration.version)), .integer(nowMillis)]
            )
        } catch var failure as PostgresFailure where failure.storeError.code == .failed {
            failure.storeError = StoreError(
                .migration,
                "migration \(migration.version) failed: \(failure.storeError.message)"
            )
            throw failure
        }
    }
}

// Versioned schema changes for the SQLite store, applied in order when a store opens.

import BridgeCore

/// One step of the schema, recorded in `schema_migrations` once applied.
struct SQLiteMigration: Sendable {
    /// Position in the history; versions only ever grow.
    var version: Int
    /// Fixed SQL text, possibly several statements, run inside one transaction.
    var sql: String

    /// Every migration this build knows, oldest first.
    static let all: [SQLiteMigration] = [version1, version2, version3]

    /// Brings `connection`'s schema up to the newest of `migrations`, one transaction per step.
    ///
    /// - Returns: the versions applied by this call; empty when the schema was already current.
    /// - Throws: `StoreError` `.migration` when the database is newer than `migrations` or a
    ///   step fails (that step is rolled back); `.unavailable` when the file is locked too long.
    static func apply(
        _ migrations: [SQLiteMigration],
        on connection: SQLiteConnection,
        nowMillis: Int64
    ) throws -> [Int] {
        let known = migrations.map(\.version).max() ?? 0
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                applied_at INTEGER NOT NULL
            )
            """
        )
        try refuseNewer(than: known, current: currentVersion(on: connection))

        var applied: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            // Re-read inside the transaction: another process may have migrated meanwhile.
            let didApply = try connection.transaction {
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

    /// The highest applied version, 0 for a new database.
    private static func currentVersion(on connection: SQLiteConnection) throws -> Int {
        let version = try connection.withStatement("SELECT MAX(version) FROM schema_migrations") { statement in
            try statement.step() ? statement.optionalInt64(at: 0) : nil
        }
        return Int(version ?? 0)
    }

    /// Throws when the database was written by a newer build; running on would corrupt it.
    private static func refuseNewer(than known: Int, current: Int) throws {
        guard current <= known else {
            throw StoreError(
                .migration,
                "the database schema is at version \(current) but this build knows only up to \(known)"
            )
        }
    }

    /// Runs one migration's SQL and records it; the caller's transaction makes both one step.
    private static func run(_ migration: SQLiteMigration, on connection: SQLiteConnection, nowMillis: Int64) throws {
        do {
            try connection.execute(migration.sql)
            try connection.withStatement("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)") {
                try $0.run([.integer(Int64(migration.version)), .integer(nowMillis)])
            }
        } catch let error as StoreError where error.code == .failed {
            throw StoreError(.migration, "migration \(migration.version) failed: \(error.message)")
        }
    }
}

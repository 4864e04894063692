// What only the SQLite engine does: its migration history, file handling and error kinds.

import BridgeCore
import Foundation
import Testing

@testable import BridgeStore

@Suite("SQLite store")
struct SQLiteStoreTests {
    /// The version after every migration this build knows.
    static let nextVersion = (SQLiteMigration.all.map(\.version).max() ?? 0) + 1
    /// A harmless extra migration, standing in for a newer build.
    static let newerMigration = SQLiteMigration(version: nextVersion, sql: "CREATE TABLE extra (x INTEGER NOT NULL)")
    /// The migrations of a build one step newer than this one.
    static let newerBuild = SQLiteMigration.all + [newerMigration]

    @Test("A database migrated by a newer build is refused")
    func newerSchemaIsRefused() throws {
        let database = try SQLiteTestDatabase()
        defer { database.destroy() }
        let newer = try SQLiteStore(path: database.path, migrations: Self.newerBuild)
        newer.close()

        let error = #expect(throws: StoreError.self) {
            try SQLiteStore(path: database.path)
        }
        #expect(error?.code == .migration)
        #expect(error?.message.contains("version \(Self.nextVersion)") == true)
    }

    @Test("A newer build applies only the migrations the file lacks; the older one then stops migrating")
    func onlyMissingMigrationsRun() throws {
        let database = try SQLiteTestDatabase()
        defer { database.destroy() }
        let older = try SQLiteStore(path: database.path)
        defer { older.close() }
        _ = try older.append([EventFixture.incoming()])

        let newer = try SQLiteStore(path: database.path, migrations: Self.newerBuild)
        defer { newer.close() }
        #expect(try newer.migrate() == [])
        #expect(try newer.latestSeq(orgID: "org-a") == 1)
        let error = #expect(throws: StoreError.self) {
            try older.migrate()
        }
        #expect(error?.code == .migration)
    }

    @Test("A failing migration is rolled back whole and reported as a migration error")
    func failedMigrationIsRolledBack() throws {
        let database = try SQLiteTestDatabase()
        defer { database.destroy() }
        let broken = SQLiteMigration(version: 2, sql: "CREATE TABLE extra (x INTEGER NOT NULL); NOT SQL AT ALL")

        let error = #expect(throws: StoreError.self) {
            try SQLiteStore(path: database.path, migrations: [.version1, broken])
        }
        #expect(error?.code == .migration)
        #expect(error?.message.contains("migration 2") == true)

        // Version 1 stayed; the half of version 2 that ran did not, so the real one applies.
        let fixed = try SQLiteStore(path: database.path, migrations: [.version1])
        #expect(try fixed.migrate() == [])
        fixed.close()
        let newer = try SQLiteStore(path: database.path, migrations: Self.newerBuild)
        newer.close()
    }

    @Test("Migrations run in version order whatever order they are listed in")
    func migrationsRunInOrder() throws {
        let database = try SQLiteTestDatabase()
        defer { database.destroy() }
        let usesVersion1 = SQLiteMigration(version: 2, sql: "CREATE INDEX events_action ON events (action)")
        let store = try SQLiteStore(path: database.path, migrations: [usesVersion1, .version1])
        defer { store.close() }
        #expect(try store.migrate() == [])
    }

    @Test("Opening creates missing folders and writes through a write-ahead log")
    func createsFolderAndUsesWAL() throws {
        let database = try SQLiteTestDatabase()
        defer { database.destroy() }
        let store = try SQLiteStore(path: database.path)
        _ = try store.append([EventFixture.incoming()])

        #expect(FileManager.default.fileExists(atPath: database.path))
        #expect(FileManager.default.fileExists(atPath: database.path + "-wal"))
        #expect(store.engine == "sqlite")
        #expect(store.path == database.path)
        try store.ping()
        store.close()
    }

    @Test("The writer logs ahead, syncs every commit, enforces foreign keys and waits when busy")
    func connectionSettings() throws {
        let database = try SQLiteTestDatabase()
        defer { database.destroy() }
        let store = try SQLiteStore(path: database.path)
        defer { store.close() }

        let pragmas = ["journal_mode", "synchronous", "foreign_keys", "busy_timeout"]
        let writer = try store.writer.withLock { connection in
            try pragmas.map { try Self.pragma($0, on: connection) }
        }
        // synchronous 2 is FULL.
        #expect(writer == ["wal", "2", "1", "5000"])
        let reader = try store.reader.withLock { connection in
            try pragmas.map { try Self.pragma($0, on: connection) }
        }
        #expect(reader[0] == "wal")
        #expect(reader[2...] == ["1", "5000"])
    }

    @Test("The write-ahead log is folded back by the checkpoint thread, not by a commit")
    func checkpointsRunBesideTheWriter() throws {
        let database = try SQLiteTestDatabase()
        defer { database.destroy() }
        let store = try SQLiteStore(path: database.path)
        defer { store.close() }
        #expect(store.checkpointer.completedCheckpoints == 0)

        // Each 2 KiB event takes at least one page of log, so 40 batches of 40 pass 1,000 pages.
        let data = #"{"note":""# + String(repeating: "x", count: 2_000) + #""}"#
        for _ in 0..<40 {
            _ = try store.append((0..<40).map { index in EventFixture.incoming(order: "order-\(index)", data: data) })
        }
        let deadline = Date(timeIntervalSinceNow: 10)
        while store.checkpointer.completedCheckpoints == 0, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(store.checkpointer.completedCheckpoints > 0)

        // Once a checkpoint has caught up with the log, the next commit starts the log over
        // instead of growing it; each commit until then wakes the thread again.
        var restarted = false
        var appended = 0
        while !restarted, Date() < deadline {
            let before = try Self.fileSize(database.path + "-wal")
            _ = try store.append([EventFixture.incoming()])
            appended += 1
            restarted = try Self.fileSize(database.path + "-wal") <= before
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(restarted)
        #expect(try store.events(orgID: "org-a", afterSeq: 0, limit: 2_000).count == 1_600 + appended)
    }

    @Test("Closing stops the checkpoint thread and folds the log into the file")
    func closeStopsTheCheckpointer() throws {
        let database = try SQLiteTestDatabase()
        defer { database.destroy() }
        let store = try SQLiteStore(path: database.path)
        _ = try store.append([EventFixture.incoming()])
        store.close()
        store.close()
        #expect(!FileManager.default.fileExists(atPath: database.path + "-wal"))
        let reopened = try SQLiteStore(path: database.path)
        defer { reopened.close() }
        #expect(try reopened.events(orgID: "org-a", afterSeq: 0, limit: 10).count == 1)
    }

    @Test("Two stores on one file share one sequence")
    func twoStoresOnOneFile() throws {
        let database = try SQLiteTestDatabase()
        defer { database.destroy() }
        let first = try SQLiteStore(path: database.path)
        let second = try SQLiteStore(path: database.path)
        defer {
            first.close()
            second.close()
        }

        let seqs = try (0..<6).flatMap { index in
            try (index.isMultiple(of: 2) ? first : second).append([EventFixture.incoming()]).map(\.acceptedSeq)
        }
        #expect(seqs == [1, 2, 3, 4, 5, 6])
        #expect(try first.events(orgID: "org-a", afterSeq: 0, limit: 10).count == 6)
    }

    @Test("Unusable paths fail with a configuration error", arguments: ["", ":memory:", "bad\0path"])
    func unusablePathsAreRefused(path: String) {
        let error = #expect(throws: StoreError.self) {
            try SQLiteStore(path: path)
        }
        #expect(error?.code == .configuration)
    }

    @Test("A path below a regular file cannot be opened and says so")
    func unopenablePathIsUnavailable() throws {
        let database = try SQLiteTestDatabase()
        defer { database.destroy() }
        try FileManager.default.createDirectory(at: database.directory, withIntermediateDirectories: true)
        let file = database.directory.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)

        let error = #expect(throws: StoreError.self) {
            try SQLiteStore(path: file.appendingPathComponent("bridge.sqlite3").path)
        }
        #expect(error?.code == .unavailable)
    }

    /// The value of `PRAGMA name` on `connection`, as text.
    static func fileSize(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.size] as? NSNumber)?.intValue ?? 0
    }

    private static func pragma(_ name: String, on connection: SQLiteConnection) throws -> String? {
        try connection.withStatement("PRAGMA \(name)") { statement in
            try statement.step() ? statement.optionalText(at: 0) : nil
        }
    }

    /// SQLite result codes (primary and extended) and the kind of error each becomes.
    static let codeKinds: [(code: Int32, kind: StoreError.Code)] = [
        (5, .unavailable),  // SQLITE_BUSY
        (6, .unavailable),  // SQLITE_LOCKED
        (10, .unavailable),  // SQLITE_IOERR
        (266, .unavailable),  // SQLITE_IOERR_READ
        (13, .unavailable),  // SQLITE_FULL
        (14, .unavailable),  // SQLITE_CANTOPEN
        (1, .failed),  // SQLITE_ERROR
        (11, .failed),  // SQLITE_CORRUPT
        (19, .failed),  // SQLITE_CONSTRAINT
        (2067, .failed),  // SQLITE_CONSTRAINT_UNIQUE
    ]

    @Test("SQLite result codes map to retryable or not", arguments: codeKinds)
    func resultCodeKinds(code: Int32, kind: StoreError.Code) {
        #expect(StoreError.kind(ofSQLiteCode: code) == kind)
    }
}

// What only the PostgreSQL engine does: migrations under a lock, reconnecting, the pool.

import BridgeCore
import Foundation
import Synchronization
import Testing

@testable import BridgeStore

@Suite(
    "PostgreSQL store",
    .needsPostgres,
    .timeLimit(.minutes(1))
)
struct PostgresStoreTests {
    /// The version after the newest this build knows.
    static let nextVersion = (PostgresMigration.all.map(\.version).max() ?? 0) + 1
    /// A harmless extra migration, standing in for a newer build.
    static let newer = PostgresMigration(version: nextVersion, sql: "CREATE TABLE extra (x integer NOT NULL)")

    @Test("The store names its engine and answers a ping")
    func engineAndPing() throws {
        try withDatabase { database throws in
            let store = try PostgresStore(url: database.url)
            defer { store.close() }
            #expect(store.engine == "postgres")
            try store.ping()
        }
    }

    @Test("Instances opening a new database together apply each migration once")
    func concurrentOpeningMigratesOnce() throws {
        try withDatabase { database throws in
            let problems = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                do {
                    let store = try PostgresStore(url: database.url, poolSize: 1)
                    store.close()
                } catch {
                    problems.withLock { $0.append("\(error)") }
                }
            }
            #expect(problems.withLock { $0 } == [])
            let applied = try database.withConnection { connection in
                try connection.execute("SELECT count(*) FROM schema_migrations").int64(row: 0, column: 0)
            }
            #expect(applied == Int64(PostgresMigration.all.count))
        }
    }

    @Test("A database migrated by a newer build is refused")
    func newerSchemaIsRefused() throws {
        try withDatabase { database throws in
            let newer = try PostgresStore(url: database.url, migrations: PostgresMigration.all + [Self.newer])
            newer.close()

            let error = #expect(throws: StoreError.self) {
                try PostgresStore(url: database.url)
            }
            #expect(error?.code == .migration)
            #expect(error?.message.contains("version \(Self.nextVersion)") == true)
        }
    }

    @Test("A failing migration is rolled back whole and reported as a migration error")
    func failedMigrationIsRolledBack() throws {
        try withDatabase { database throws in
            let broken = PostgresMigration(
                version: Self.nextVersion,
                sql: "CREATE TABLE extra (x integer NOT NULL); NOT SQL AT ALL"
            )
            let error = #expect(throws: StoreError.self) {
                try PostgresStore(url: database.url, migrations: PostgresMigration.all + [broken])
            }
            #expect(error?.code == .migration)
            #expect(error?.message.contains("migration \(Self.nextVersion)") == true)

            // The known versions stayed; the half of the broken one that ran did not, so the
            // real one applies.
            let fixed = try PostgresStore(url: database.url, migrations: PostgresMigration.all + [Self.newer])
            defer { fixed.close() }
            #expect(try fixed.migrate() == [])
        }
    }

    @Test("Dropped connections are reopened on their next use without an error")
    func reconnectsAfterDroppedConnections() throws {
        try withDatabase { database throws in
            let store = try PostgresStore(url: database.url, poolSize: 2)
            defer { store.close() }
            _ = try store.append([EventFixture.incoming()])

            #expect(try Self.dropConnections(to: database) >= 1)
            try store.ping()
            #expect(try Self.dropConnections(to: database) >= 1)
            #expect(try store.append([EventFixture.incoming()]).map(\.acceptedSeq) == [2])
            #expect(try Self.dropConnections(to: database) >= 1)
            #expect(try store.events(orgID: "org-a", afterSeq: 0, limit: 10).count == 2)
        }
    }

    @Test("While the database refuses connections every call is unavailable; then it recovers")
    func unavailableUntilTheDatabaseReturns() throws {
        try withDatabase { database throws in
            let store = try PostgresStore(url: database.url, poolSize: 2)
            defer { store.close() }
            _ = try store.append([EventFixture.incoming()])

            try Self.setAllowConnections(false, on: database)
            _ = try Self.dropConnections(to: database)
            let calls: [() throws -> Void] = [
                { try store.ping() },
                { _ = try store.append([EventFixture.incoming()]) },
                { _ = try store.events(orgID: "org-a", afterSeq: 0, limit: 1) },
                { _ = try store.latestSeq(orgID: "org-a") },
            ]
            for call in calls {
                let error = #expect(throws: StoreError.self) { try call() }
                #expect(error?.code == .unavailable)
            }

            try Self.setAllowConnections(true, on: database)
            try store.ping()
            #expect(try store.append([EventFixture.incoming()]).map(\.acceptedSeq) == [2])
        }
    }

    @Test("A caller waits a bounded time for a free connection, then gets unavailable")
    func exhaustedPoolIsUnavailable() throws {
        try withDatabase { database throws in
            let store = try PostgresStore(
                url: database.url,
                poolSize: 1,
                checkoutTimeout: 0.2,
                migrations: PostgresMigration.all
            )
            defer { store.close() }

            let error = try store.pool.withConnection { _ in
                #expect(throws: StoreError.self) { try store.ping() }
            }
            #expect(error?.code == .unavailable)
            try store.ping()
        }
    }

    @Test("Text with a NUL character fails its batch and stores nothing")
    func nulCharacterFailsTheBatch() throws {
        try withDatabase { database throws in
            let store = try PostgresStore(url: database.url)
            defer { store.close() }
            let error = #expect(throws: StoreError.self) {
                try store.append([EventFixture.incoming(), EventFixture.incoming(webhook: "wh\0-1")])
            }
            #expect(error?.code == .failed)
            #expect(try store.latestSeq(orgID: "org-a") == 0)
            #expect(try store.append([EventFixture.incoming()]).map(\.acceptedSeq) == [1])
        }
    }

    @Test("Event bodies are kept byte for byte, and other JSON is refused")
    func bodiesKeepTheirBytes() throws {
        try withDatabase { database throws in
            let store = try PostgresStore(url: database.url)
            defer { store.close() }
            let spaced = EventFixture.incoming(data: #"{ "z" : 1.50, "a":[true , null], "a2" : "\u0000" }"#)
            _ = try store.append([spaced])
            #expect(
                try store.events(orgID: "org-a", afterSeq: 0, limit: 1).map(\.event.dataJSON) == [spaced.event.dataJSON]
            )

            let error = #expect(throws: StoreError.self) {
                try store.append([EventFixture.incoming(data: "{not json")])
            }
            #expect(error?.code == .failed)
        }
    }

    /// Runs `body` with a new database, dropped afterwards.
    private func withDatabase(_ body: (PostgresTestDatabase) throws -> Void) throws {
        let database = try PostgresTestDatabase()
        defer { database.destroy() }
        try body(database)
    }

    /// Ends every server process connected to `database`, as a restart would; returns how many.
    private static func dropConnections(to database: PostgresTestDatabase) throws -> Int {
        try PostgresTestDatabase.onServer { connection in
            let result = try connection.execute(
                """
                SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000))
                FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()
                """,
                [.text(database.name)]
            )
            return Int(try result.int64(row: 0, column: 0))
        }
    }

    /// Lets `database` accept new connections, or stops it from doing so.
    private static func setAllowConnections(_ allowed: Bool, on database: PostgresTestDatabase) throws {
        try PostgresTestDatabase.onServer { connection in
            try connection.executeScript("ALTER DATABASE \(database.name) ALLOW_CONNECTIONS \(allowed)")
        }
    }
}

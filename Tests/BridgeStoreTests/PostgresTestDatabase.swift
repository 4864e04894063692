// A PostgreSQL database of its own on the test server, created for one test and dropped after.

import BridgeCore
import Foundation

@testable import BridgeStore

/// A new, empty database `bridge_test_<random>` on the test server.
struct PostgresTestDatabase: TestDatabase {
    /// The database's name, safe to write into SQL as it is.
    let name: String
    /// A URL for the new database: the server's URL with its path replaced.
    let url: String

    /// Creates the database.
    ///
    /// - Throws: `PostgresTestEnvironment.Missing` without a test server, so that the test fails.
    init() throws {
        let server = try PostgresTestEnvironment.requireServerURL()
        let suffix = UUID().uuidString.lowercased().filter { $0 != "-" }
        name = "bridge_test_\(suffix)"
        guard var components = URLComponents(string: server) else {
            throw StoreError(.configuration, "BRIDGE_TEST_POSTGRES_URL is not a URL")
        }
        components.path = "/\(name)"
        guard let url = components.string else {
            throw StoreError(.configuration, "cannot build a URL for the test database")
        }
        self.url = url

        // template0 has no connections, so parallel tests can copy it at once. The name is
        // ours and plain, and CREATE DATABASE takes no parameters.
        try Self.onServer { try $0.executeScript("CREATE DATABASE \(name) TEMPLATE template0 ENCODING 'UTF8'") }
    }

    /// Opens (and migrates) a store on this database.
    func open() throws -> any StoreUnderTest {
        try PostgresStore(url: url)
    }

    /// Drops the database, ending connections a test left open.
    func destroy() {
        try? Self.onServer { try $0.executeScript("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    }

    /// Runs `body` on a connection to this database, outside any store.
    func withConnection<Result>(_ body: (PostgresConnection) throws -> Result) throws -> Result {
        try Self.unwrapping {
            let connection = try PostgresConnection(url: url)
            defer { connection.close() }
            return try body(connection)
        }
    }

    /// Runs `body` on a raw connection to a database made for it and dropped after; the
    /// connection's own `PostgresFailure`s reach the test as they are.
    static func withFreshConnection(_ body: (PostgresConnection) throws -> Void) throws {
        let database = try PostgresTestDatabase()
        defer { database.destroy() }
        let connection = try PostgresConnection(url: database.url)
        defer { connection.close() }
        try body(connection)
    }

    /// Runs `body` on a connection to the server's maintenance database.
    static func onServer<Result>(_ body: (PostgresConnection) throws -> Result) throws -> Result {
        let server = try PostgresTestEnvironment.requireServerURL()
        return try unwrapping {
            let connection = try PostgresConnection(url: server)
            defer { connection.close() }
            return try body(connection)
        }
    }

    /// Turns the store's internal failures into the `StoreError`s they carry.
    private static func unwrapping<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch let failure as PostgresFailure {
            throw failure.storeError
        }
    }
}

// The engines the shared store suite runs against. Adding an engine is one line in `all`.

import Testing

/// Makes fresh databases of one engine.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    /// The engine's name, shown in test output.
    var name: String
    /// A new, empty database.
    var makeDatabase: @Sendable () throws -> any TestDatabase

    var testDescription: String { name }

    /// Every engine the shared suite runs against.
    static let all: [StoreFactory] = [.sqlite] + postgresWhenEnabled

    /// SQLite in a fresh temporary directory.
    static let sqlite = StoreFactory(name: "sqlite") { try SQLiteTestDatabase() }

    /// Runs `body` with a store open on a fresh database, then closes and removes it.
    func withStore<Result>(_ body: (any StoreUnderTest) throws -> Result) throws -> Result {
        try withDatabase { database in
            let store = try database.open()
            defer { store.close() }
            return try body(store)
        }
    }

    /// Runs `body` with a fresh database, removed afterwards.
    func withDatabase<Result>(_ body: (any TestDatabase) throws -> Result) throws -> Result {
        let database = try makeDatabase()
        defer { database.destroy() }
        return try body(database)
    }
}

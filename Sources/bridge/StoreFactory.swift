// Opens the store a `DATABASE_URL` names, with the SQLite durability `SQLITE_SYNCHRONOUS` asks for.

import BridgeCore
import BridgeStore
import Foundation

enum StoreFactory {
    /// `SQLITE_SYNCHRONOUS` (`full` or `normal`, any case); nil when unset, which means `full`.
    static func synchronousMode(_ environment: Environment) throws(ConfigurationError) -> SQLiteSynchronous? {
        guard let text = environment.string("SQLITE_SYNCHRONOUS") else { return nil }
        guard let mode = SQLiteSynchronous(rawValue: text.lowercased()) else {
            throw ConfigurationError("SQLITE_SYNCHRONOUS", "must be full or normal")
        }
        return mode
    }

    /// Opens the store at `url`; `synchronous` applies to SQLite only.
    static func open(_ url: String, synchronous: SQLiteSynchronous?) throws -> any EventStore {
        switch try StoreLocation.parse(url) {
        case .sqlite(let path):
            let store = try SQLiteStore(path: path)
            if let synchronous { try store.setSynchronous(synchronous) }
            return store
        case .postgres(let url):
            return try PostgresStore(url: url)
        }
    }
}

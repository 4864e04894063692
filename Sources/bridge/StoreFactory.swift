// Opens the store a `DATABASE_URL` names.

import BridgeCore
import BridgeStore
import Foundation

enum StoreFactory {
    static func open(_ url: String) throws -> any EventStore {
        switch try StoreLocation.parse(url) {
        case .sqlite(let path):
            let store = try SQLiteStore(path: path)
            if let text = ProcessInfo.processInfo.environment["SQLITE_SYNCHRONOUS"], !text.isEmpty {
                guard let mode = SQLiteSynchronous(rawValue: text.lowercased()) else {
                    throw ConfigurationError("SQLITE_SYNCHRONOUS", "must be full or normal")
                }
                try store.setSynchronous(mode)
            }
            return store
        case .postgres(let url):
            return try PostgresStore(url: url)
        }
    }
}

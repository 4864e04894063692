// Opens the store a `DATABASE_URL` names.

import BridgeCore
import BridgeStore

enum StoreFactory {
    static func open(_ url: String) throws -> any EventStore {
        switch try StoreLocation.parse(url) {
        case .sqlite(let path):
            return try SQLiteStore(path: path)
        case .postgres:
            throw StoreError(.configuration, "PostgreSQL is not supported by this build yet; use sqlite:")
        }
    }
}

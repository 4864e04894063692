// An SQLite database file in a temporary directory of its own.

import BridgeStore
import Foundation

/// An SQLite file under a directory of its own in the system's temporary directory.
struct SQLiteTestDatabase: TestDatabase {
    /// Removed by `destroy()`.
    let directory: URL
    /// Two levels below `directory`, so that opening also creates the missing folders.
    let path: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bridge-store-\(UUID().uuidString)")
        path = directory.appendingPathComponent("data/nested/bridge.sqlite3").path
    }

    func open() throws -> any StoreUnderTest {
        try SQLiteStore(path: path)
    }

    func destroy() {
        try? FileManager.default.removeItem(at: directory)
    }
}

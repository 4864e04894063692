// Turns SQLite result codes into `StoreError`s that are safe to log.

import BridgeCore
import CSQLite

extension StoreError {
    /// An error for a failed SQLite call. `context` says what was being done; SQLite's own
    /// message names the problem but never the bound values.
    init(sqliteCode code: Int32, context: String, connection: OpaquePointer?) {
        let detail =
            connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(code))
        self.init(Self.kind(ofSQLiteCode: code), "\(context): \(detail) (sqlite code \(code))")
    }

    /// Busy, I/O, open and disk-full failures may pass; the rest will not by retrying.
    static func kind(ofSQLiteCode code: Int32) -> Code {
        switch code & 0xff {
        case SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_FULL, SQLITE_PROTOCOL:
            return .unavailable
        default:
            return .failed
        }
    }

    /// The error every call gets once `close()` has run.
    static let closed = StoreError(.unavailable, "the store is closed")
}

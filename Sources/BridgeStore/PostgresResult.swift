// The rows of one successful libpq statement, read as text.

import BridgeCore
import CPostgres

/// A `PGresult` that owns its memory: it is cleared when the value goes away.
///
/// Every value arrives in text format; integers are parsed here and a value that does not
/// parse is a broken row, never a crash.
final class PostgresResult {
    private let handle: OpaquePointer

    /// Takes ownership of `handle`.
    init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        PQclear(handle)
    }

    /// How many rows came back.
    var rowCount: Int32 {
        PQntuples(handle)
    }

    /// Rows changed by an `INSERT`, `UPDATE` or `DELETE`; 0 for other statements.
    var changedRows: Int {
        guard let text = PQcmdTuples(handle) else {
            return 0
        }
        return Int(String(cString: text)) ?? 0
    }

    /// The value at `row`, `column`, or nil when it is `NULL` or out of range.
    func optionalText(row: Int32, column: Int32) -> String? {
        guard row >= 0, row < rowCount, column >= 0, column < PQnfields(handle),
            PQgetisnull(handle, row, column) == 0,
            let bytes = PQgetvalue(handle, row, column)
        else {
            return nil
        }
        let count = Int(PQgetlength(handle, row, column))
        return bytes.withMemoryRebound(to: UInt8.self, capacity: count) { start in
            String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
        }
    }

    /// The value at `row`, `column`; a `NULL` there is a broken row.
    func text(row: Int32, column: Int32) throws -> String {
        guard let value = optionalText(row: row, column: column) else {
            throw StoreError(.failed, "a stored row has NULL in a required column")
        }
        return value
    }

    /// The integer at `row`, `column`, or nil when it is `NULL`.
    func optionalInt64(row: Int32, column: Int32) throws -> Int64? {
        guard let text = optionalText(row: row, column: column) else {
            return nil
        }
        guard let value = Int64(text) else {
            throw StoreError(.failed, "a stored row holds a value that is not a 64-bit integer")
        }
        return value
    }

    /// The integer at `row`, `column`; a `NULL` there is a broken row.
    func int64(row: Int32, column: Int32) throws -> Int64 {
        guard let value = try optionalInt64(row: row, column: column) else {
            throw StoreError(.failed, "a stored row has NULL in a required column")
        }
        return value
    }
}

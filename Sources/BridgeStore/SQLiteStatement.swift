// One prepared SQLite statement: binding parameters, stepping, reading columns.

import BridgeCore
import CSQLite

/// A prepared statement borrowed from its `SQLiteConnection`'s cache for one use.
///
/// The connection resets it and clears its bindings when the use ends, so a value never leaks
/// from one call into the next.
struct SQLiteStatement {
    /// A value bound to a `?` parameter.
    enum Value {
        /// A 64-bit integer.
        case integer(Int64)
        /// UTF-8 text, copied by SQLite while binding.
        case text(String)
        /// SQL `NULL`.
        case null

        /// `.integer`, or `.null` when absent.
        static func integer(_ value: Int64?) -> Value {
            value.map(Value.integer) ?? .null
        }

        /// `.text`, or `.null` when absent.
        static func text(_ value: String?) -> Value {
            value.map(Value.text) ?? .null
        }
    }

    /// The `sqlite3_stmt`.
    let handle: OpaquePointer
    /// The `sqlite3` it belongs to, for error messages.
    let connection: OpaquePointer

    /// Binds `values` to parameters 1, 2, … in order.
    func bind(_ values: [Value]) throws {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .integer(let number):
                code = sqlite3_bind_int64(handle, index, number)
            case .text(let text):
                code = try bindText(text, at: index)
            case .null:
                code = sqlite3_bind_null(handle, index)
            }
            try check(code, "cannot bind a parameter")
        }
    }

    /// Runs one step: `true` when a row is ready to read, `false` when the statement is done.
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW:
            return true
        case SQLITE_DONE:
            return false
        default:
            throw StoreError(sqliteCode: code, context: "a statement failed", connection: connection)
        }
    }

    /// Binds `values` and runs a statement that returns no rows.
    func run(_ values: [Value] = []) throws {
        try bind(values)
        if try step() {
            throw StoreError(.failed, "a statement returned rows where none were expected")
        }
    }

    /// The integer in `column`, or nil when it is `NULL`.
    func optionalInt64(at column: Int32) -> Int64? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, column)
    }

    /// The integer in `column`; a `NULL` there is a broken row.
    func int64(at column: Int32) throws -> Int64 {
        guard let value = optionalInt64(at: column) else {
            throw StoreError(.failed, "a stored row has NULL in a required column")
        }
        return value
    }

    /// The text in `column`, or nil when it is `NULL`.
    func optionalText(at column: Int32) -> String? {
        guard sqlite3_column_type(handle, column) != SQLITE_NULL,
            let bytes = sqlite3_column_text(handle, column)
        else {
            return nil
        }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// The text in `column`; a `NULL` there is a broken row.
    func text(at column: Int32) throws -> String {
        guard let value = optionalText(at: column) else {
            throw StoreError(.failed, "a stored row has NULL in a required column")
        }
        return value
    }

    /// Binds the exact UTF-8 bytes, so text is never cut short at an embedded NUL.
    private func bindText(_ text: String, at index: Int32) throws -> Int32 {
        var text = text
        return try text.withUTF8 { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                // A nil pointer would bind NULL; an empty string must stay an empty string.
                return sqlite3_bind_text(handle, index, "", 0, bridge_sqlite_transient())
            }
            guard let length = Int32(exactly: bytes.count) else {
                throw StoreError(.failed, "a text value is too long to store")
            }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { characters in
                sqlite3_bind_text(handle, index, characters, length, bridge_sqlite_transient())
            }
        }
    }

    /// Throws a `StoreError` unless `code` is `SQLITE_OK`.
    private func check(_ code: Int32, _ context: String) throws {
        guard code == SQLITE_OK else {
            throw StoreError(sqliteCode: code, context: context, connection: connection)
        }
    }
}

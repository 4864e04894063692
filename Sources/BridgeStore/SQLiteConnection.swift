// One SQLite connection with its cache of prepared statements.

import BridgeCore
import CSQLite

/// An open `sqlite3` handle. Not thread-safe: its owner keeps it behind a lock.
///
/// Statements are prepared once per SQL text and reused; `close()` finalizes them all.
final class SQLiteConnection {
    /// What the connection is for, which decides how it is opened.
    enum Role {
        /// Creates the file if needed, switches it to WAL and syncs every commit.
        case writer
        /// Opens an existing file read-only; under WAL it reads beside the writer.
        case reader
        /// Opens an existing file read-write to copy the write-ahead log into it; syncs as
        /// SQLite's default (FULL) does, so a checkpoint is on disk before the log restarts.
        case checkpointer
    }

    /// How long a statement waits for another connection's lock before failing as busy.
    static let busyTimeoutMillis: Int32 = 5_000

    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    /// Opens `path` for `role` and applies the connection settings.
    init(path: String, role: Role) throws {
        let access =
            switch role {
            case .writer: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
            case .reader: SQLITE_OPEN_READONLY
            case .checkpointer: SQLITE_OPEN_READWRITE
            }
        // The caller's lock serialises every use, so SQLite's own mutex would be paid for nothing.
        let flags = access | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        var opened: OpaquePointer?
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let opened else {
            let error = StoreError(sqliteCode: code, context: "cannot open the database", connection: opened)
            sqlite3_close_v2(opened)
            throw error
        }
        handle = opened

        do {
            try configure(for: role)
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    /// Runs fixed SQL text, possibly several statements, with no parameters and no rows wanted.
    /// Only for SQL written in this module: values always go through `withStatement`.
    func execute(_ sql: String) throws {
        let live = try liveHandle()
        let code = sqlite3_exec(live, sql, nil, nil, nil)
        guard code == SQLITE_OK else {
            throw StoreError(sqliteCode: code, context: "a statement failed", connection: live)
        }
    }

    /// Lends the cached prepared statement for `sql`, reset and unbound again afterwards.
    func withStatement<Result>(_ sql: String, _ body: (SQLiteStatement) throws -> Result) throws -> Result {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement.handle)
            sqlite3_clear_bindings(statement.handle)
        }
        return try body(statement)
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back if anything throws.
    ///
    /// `IMMEDIATE` takes the write lock up front, so a transaction never fails half-way
    /// because another writer got there first.
    func transaction<Result>(_ body: () throws -> Result) throws -> Result {
        try withStatement("BEGIN IMMEDIATE") { try $0.run() }
        do {
            let result = try body()
            try withStatement("COMMIT") { try $0.run() }
            return result
        } catch {
            if let live = handle, sqlite3_get_autocommit(live) == 0 {
                // The original error is the one worth reporting; a failed rollback leaves the
                // transaction to SQLite, which rolls it back when the connection closes.
                try? withStatement("ROLLBACK") { try $0.run() }
            }
            throw error
        }
    }

    /// Rows changed by the last `INSERT`, `UPDATE` or `DELETE`.
    func changes() throws -> Int64 {
        sqlite3_changes64(try liveHandle())
    }

    /// What `sqlite3_wal_hook` calls: the hook's context, the connection, the database's
    /// name and the log's size in pages.
    typealias WALHook = @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32

    /// Installs (or, with nil, removes) the hook SQLite calls after each commit with the
    /// write-ahead log's size in pages; it replaces the automatic checkpoint.
    func setWALHook(_ context: UnsafeMutableRawPointer?, _ hook: WALHook?) throws {
        sqlite3_wal_hook(try liveHandle(), hook, context)
    }

    /// Copies what it can of the write-ahead log into the database file without waiting for
    /// readers or the writer.
    func checkpointPassively() throws {
        let live = try liveHandle()
        let code = sqlite3_wal_checkpoint_v2(live, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        guard code == SQLITE_OK else {
            throw StoreError(sqliteCode: code, context: "a checkpoint failed", connection: live)
        }
    }

    /// Finalizes every statement and closes the handle. Later calls throw `StoreError.closed`.
    func close() {
        for statement in statements.values {
            sqlite3_finalize(statement)
        }
        statements = [:]
        if let live = handle {
            sqlite3_close_v2(live)
            handle = nil
        }
    }

    /// Connection-level settings; WAL and `synchronous` matter for the writer only.
    private func configure(for role: Role) throws {
        let live = try liveHandle()
        let code = sqlite3_busy_timeout(live, Self.busyTimeoutMillis)
        guard code == SQLITE_OK else {
            throw StoreError(sqliteCode: code, context: "cannot set the busy timeout", connection: live)
        }
        try execute("PRAGMA foreign_keys = ON")
        if role == .checkpointer {
            // A connection opens the log only once it has read the file; until then a checkpoint
            // finds no log and does nothing.
            let mode = try withStatement("PRAGMA journal_mode") { statement in
                try statement.step() ? statement.optionalText(at: 0) : nil
            }
            guard mode?.lowercased() == "wal" else {
                throw StoreError(.unavailable, "the database is not in write-ahead logging mode")
            }
        }
        guard role == .writer else {
            return
        }

        let mode = try withStatement("PRAGMA journal_mode = WAL") { statement in
            try statement.step() ? statement.optionalText(at: 0) : nil
        }
        guard mode?.lowercased() == "wal" else {
            throw StoreError(.unavailable, "the database cannot use write-ahead logging")
        }
        // FULL syncs the log on every commit: an acknowledged event survives a power cut.
        try execute("PRAGMA synchronous = FULL")
    }

    /// The cached statement for `sql`, prepared on first use.
    private func prepared(_ sql: String) throws -> SQLiteStatement {
        let live = try liveHandle()
        if let cached = statements[sql] {
            return SQLiteStatement(handle: cached, connection: live)
        }

        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(live, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw StoreError(sqliteCode: code, context: "cannot prepare a statement", connection: live)
        }
        statements[sql] = statement
        return SQLiteStatement(handle: statement, connection: live)
    }

    /// The open handle, or `StoreError.closed`.
    private func liveHandle() throws -> OpaquePointer {
        guard let handle else {
            throw StoreError.closed
        }
        return handle
    }
}

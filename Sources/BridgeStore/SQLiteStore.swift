// The SQLite engine of `EventStore`: one database file in WAL mode, one writer, one reader.

import BridgeCore
import Foundation
import Synchronization

/// Order events in one SQLite file.
///
/// Two connections, each inside its own `Mutex`: every write (append, retention, migration)
/// holds the writer's lock for the whole of its transaction, and reads use the reader, so they
/// run beside a write and see only committed data. No connection is reachable outside its lock;
/// that is what makes the class `Sendable`. A third connection, owned by `SQLiteCheckpointer`'s
/// thread, folds the write-ahead log back into the file so that no commit has to.
public final class SQLiteStore: EventStore {
    /// The file this store reads and writes.
    public let path: String
    /// Always `sqlite`.
    public let engine = "sqlite"

    let writer: Mutex<SQLiteConnection>
    let reader: Mutex<SQLiteConnection>
    let checkpointer: SQLiteCheckpointer
    private let migrations: [SQLiteMigration]

    /// Opens the database at `path`, creating it and its directory if missing, and migrates it.
    ///
    /// - Throws: `StoreError` `.configuration` for an unusable path, `.migration` when the file
    ///   was written by a newer build, `.unavailable` when the file cannot be opened.
    public convenience init(path: String) throws {
        try self.init(path: path, migrations: SQLiteMigration.all)
    }

    /// Opens `path` with a chosen migration history (tests use this to fake a newer build).
    init(path: String, migrations: [SQLiteMigration]) throws {
        guard !path.isEmpty, !path.contains("\0"), !path.hasPrefix(":") else {
            throw StoreError(.configuration, "the SQLite database path must name a file")
        }
        try Self.createParentDirectory(of: path)

        let writer = try SQLiteConnection(path: path, role: .writer)
        _ = try SQLiteMigration.apply(migrations, on: writer, nowMillis: Self.nowMillis())
        // Opened after the writer so that the file exists and is already in WAL mode.
        let reader = try SQLiteConnection(path: path, role: .reader)
        let checkpointer = try SQLiteCheckpointer(path: path)
        try checkpointer.start(watching: writer)

        self.path = path
        self.migrations = migrations
        self.writer = Mutex(writer)
        self.reader = Mutex(reader)
        self.checkpointer = checkpointer
    }

    deinit {
        close()
    }

    /// Applies the migrations this build knows and returns the versions it applied.
    ///
    /// Opening a store already migrates, so this returns `[]` unless another process left the
    /// file behind meanwhile.
    public func migrate() throws -> [Int] {
        try writer.withLock { connection in
            try SQLiteMigration.apply(migrations, on: connection, nowMillis: Self.nowMillis())
        }
    }

    /// Pushed events of `orgID` after `afterSeq`, in `seq` order, at most `limit`.
    ///
    /// - Throws: `StoreError` `.failed` when `limit` is negative.
    public func events(orgID: String, afterSeq: Int64, limit: Int) throws -> [StoredEvent] {
        guard limit >= 0 else {
            throw StoreError(.failed, "the event limit must not be negative")
        }
        guard limit > 0 else {
            return []
        }

        let sql = """
            SELECT \(SQLiteEventRow.columns) FROM events
            WHERE org_id = ?1 AND seq > ?2 AND seq IS NOT NULL
            ORDER BY seq
            LIMIT ?3
            """
        return try reader.withLock { connection in
            try connection.withStatement(sql) { statement in
                try statement.bind([.text(orgID), .integer(afterSeq), .integer(Int64(limit))])
                var events: [StoredEvent] = []
                while try statement.step() {
                    events.append(try SQLiteEventRow.decode(statement))
                }
                return events
            }
        }
    }

    /// The last `seq` assigned in `orgID`, or 0 when it has none.
    public func latestSeq(orgID: String) throws -> Int64 {
        try reader.withLock { connection in
            try connection.withStatement("SELECT last_seq FROM org_sequences WHERE org_id = ?1") { statement in
                try statement.bind([.text(orgID)])
                return try statement.step() ? statement.int64(at: 0) : 0
            }
        }
    }

    /// Checks that the file answers a query.
    public func ping() throws {
        try reader.withLock { connection in
            try connection.withStatement("SELECT 1") { statement in
                _ = try statement.step()
            }
        }
    }

    /// Closes both connections; every later call throws `StoreError` `.unavailable`.
    /// Closing the last connection folds the write-ahead log back into the database file.
    public func close() {
        writer.withLock { checkpointer.stop(detachingFrom: $0) }
        reader.withLock { $0.close() }
        writer.withLock { $0.close() }
    }

    /// Wall-clock milliseconds since the Unix epoch, for `created_at` columns.
    static func nowMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// Creates the directory that will hold the file, if it is missing.
    private static func createParentDirectory(of path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty else {
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.unavailable, "cannot create the database directory \(directory)")
        }
    }
}

// How hard SQLite works to keep a commit across a power loss, as an operator's choice.

/// SQLite's `synchronous` setting for the writer, in WAL mode.
public enum SQLiteSynchronous: String, Sendable, CaseIterable {
    /// fsync at every commit: an acknowledged event survives a power loss. The default.
    case full
    /// fsync at checkpoints only: an acknowledged event survives a crash of the bridge process,
    /// but a power loss or kernel crash may roll back the last commits. Far faster ingest.
    case normal
}

extension SQLiteStore {
    /// Changes the writer's `synchronous` setting.
    public func setSynchronous(_ mode: SQLiteSynchronous) throws {
        try writer.withLock { connection in
            try connection.execute(mode == .full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
        }
    }
}

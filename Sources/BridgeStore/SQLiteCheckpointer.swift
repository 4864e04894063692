// Folds the write-ahead log back into the database file beside the writer, never inside a commit.

import CSQLite
import Foundation

/// Runs SQLite's WAL checkpoints on a thread and connection of their own.
///
/// SQLite's automatic checkpoint runs inside the commit that takes the log past 1,000 pages:
/// that commit copies every logged page into the database file and syncs it before it returns.
/// On the ingest path this was the slowest 1 % of commits (2.5–10 ms against 0.4 ms), and every
/// webhook queued behind it waited as long. Here the writer's commit hook only notes the log's
/// size and wakes this thread, which runs a `PASSIVE` checkpoint: it copies what no reader
/// still needs and never waits for, or blocks, the writer.
///
/// Should the log still outgrow `inlineCheckpointPages` (a writer so busy that passive
/// checkpoints never catch up), the commit that crosses it checkpoints inline, as SQLite would
/// have done, so the log stays bounded.
final class SQLiteCheckpointer: @unchecked Sendable {
    /// Log size that wakes the thread: SQLite's own automatic-checkpoint default.
    static let checkpointPages: Int32 = 1_000
    /// Log size at which the committing writer checkpoints itself (64,000 pages: 256 MiB at
    /// the default 4 KiB page size).
    static let inlineCheckpointPages: Int32 = 64_000

    private let connection: SQLiteConnection

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var wanted = false
    private var stopping = false
    private var running = false
    private var completed = 0

    /// Opens the checkpoint connection on `path`, whose file the writer has already created.
    init(path: String) throws {
        connection = try SQLiteConnection(path: path, role: .checkpointer)
    }

    /// Checkpoints completed so far (tests read this).
    var completedCheckpoints: Int {
        condition.lock()
        defer { condition.unlock() }
        return completed
    }

    /// Starts the thread and takes over checkpointing from `writer`, whose automatic checkpoint
    /// the hook replaces. The checkpointer must outlive `writer`'s use of the hook: `stop()`
    /// first detaches it.
    func start(watching writer: SQLiteConnection) throws {
        try writer.setWALHook(Unmanaged.passUnretained(self).toOpaque(), Self.walHook)
        condition.lock()
        running = true
        condition.unlock()
        let thread = Thread { [self] in run() }
        thread.name = "bridge-sqlite-checkpoint"
        thread.start()
    }

    /// Detaches from `writer` and ends the thread after any checkpoint under way.
    func stop(detachingFrom writer: SQLiteConnection) {
        try? writer.setWALHook(nil, nil)
        condition.lock()
        stopping = true
        condition.broadcast()
        let deadline = Date(timeIntervalSinceNow: 30)
        while running, condition.wait(until: deadline) {}
        condition.unlock()
        connection.close()
    }

    /// Called by the writer's commit (through the hook): wakes the thread.
    private func logGrew() {
        condition.lock()
        wanted = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while !stopping {
            guard wanted else {
                condition.wait()
                continue
            }
            wanted = false
            condition.unlock()
            // A failed passive checkpoint (the file locked for a moment, say) leaves the log as it
            // was; the next commit's wake-up tries again, and the inline bound still holds.
            let done = (try? connection.checkpointPassively()) != nil
            condition.lock()
            if done { completed += 1 }
        }
        running = false
        condition.broadcast()
        condition.unlock()
    }

    /// `sqlite3_wal_hook` callback: runs on the writer's thread after each commit, holding its lock.
    private static let walHook: @convention(c) (
        UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32
    ) -> Int32 = { context, database, _, pages in
        guard let context else { return SQLITE_OK }
        if pages >= inlineCheckpointPages {
            sqlite3_wal_checkpoint_v2(database, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        } else if pages >= checkpointPages {
            Unmanaged<SQLiteCheckpointer>.fromOpaque(context).takeUnretainedValue().logGrew()
        }
        return SQLITE_OK
    }
}

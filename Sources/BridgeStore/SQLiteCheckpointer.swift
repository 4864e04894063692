// Folds the write-ahead log back into the database file beside the writer, never inside a commit.

import CSQLite
import Foundation

/// Runs SQLite's WAL checkpoints on a thread and connection of their own.
///
/// SQLite's automatic checkpoint runs inside the commit that takes the log past 1,000 pages:
/// that commit copies every logged page into the database file and syncs it before it returns.
/// With webhooks arriving at 200/s, 7 % of commits took over 2.5 ms (against a usual 0.4 ms),
/// most of them these, and every webhook queued behind one waited as long; 2.5 % do with the
/// checkpoints moved here, which is the disk's own sync. Here the writer's commit hook only notes the log's
/// size and wakes this thread, which runs a `PASSIVE` checkpoint: it copies what no reader
/// still needs and never waits for, or blocks, the writer.
///
/// The log starts over only when a write begins with all of it copied. A writer that never
/// pauses never gives a passive checkpoint that moment, so the commit that takes the log past
/// `inlineCheckpointPages` checkpoints inline, as SQLite would have done at 1,000, and the log
/// stays bounded.
final class SQLiteCheckpointer: @unchecked Sendable {
    /// Pages of log, written since the thread was last woken, that wake it again: SQLite's own
    /// automatic-checkpoint size.
    static let checkpointPages: Int32 = 1_000
    /// Log size at which the committing writer checkpoints itself (16,000 pages: 64 MiB at the
    /// default 4 KiB page size). By then the thread has copied all but the last pages, so the
    /// inline checkpoint is short, and the log starts over at the next commit.
    static let inlineCheckpointPages: Int32 = 16_000

    private let connection: SQLiteConnection
    /// The log's size when the hook last woke the thread. Only the hook touches it, on the
    /// writer's thread and under the writer's lock.
    private var pagesAtLastWake: Int32 = 0

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

    /// Detaches from `writer` and ends the thread, which closes its connection, after any
    /// checkpoint under way.
    func stop(detachingFrom writer: SQLiteConnection) {
        try? writer.setWALHook(nil, nil)
        condition.lock()
        stopping = true
        condition.broadcast()
        let deadline = Date(timeIntervalSinceNow: 30)
        while running, condition.wait(until: deadline) {}
        condition.unlock()
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
        condition.unlock()
        // Only this thread ever uses the connection, so only it closes it: were `stop` to
        // close it after giving up its wait (a long checkpoint of a huge log on a slow disk),
        // it would free the handle under a running checkpoint.
        connection.close()
        condition.lock()
        running = false
        condition.broadcast()
        condition.unlock()
    }

    /// `sqlite3_wal_hook` callback: runs on the writer's thread after each commit, holding its lock.
    private static let walHook: SQLiteConnection.WALHook = { context, database, _, pages in
        guard let context else { return SQLITE_OK }
        let checkpointer = Unmanaged<SQLiteCheckpointer>.fromOpaque(context).takeUnretainedValue()
        if pages < checkpointer.pagesAtLastWake {
            // The log started over.
            checkpointer.pagesAtLastWake = 0
        }
        if pages >= inlineCheckpointPages {
            sqlite3_wal_checkpoint_v2(database, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            checkpointer.pagesAtLastWake = 0
        } else if pages - checkpointer.pagesAtLastWake >= checkpointPages {
            // Each checkpoint syncs the log and the file: one per 1,000 new pages, not one per
            // commit while a busy writer keeps the log from starting over.
            checkpointer.pagesAtLastWake = pages
            checkpointer.logGrew()
        }
        return SQLITE_OK
    }
}

// Line-at-a-time output to standard error, safe from several threads.

import Foundation
import Synchronization

/// Serialises writes so lines from different threads never interleave.
enum FileHandleOutput {
    private static let lock = Mutex<Void>(())

    /// Writes `line` and a newline to standard error.
    static func standardError(_ line: String) {
        let data = Data((line + "\n").utf8)
        lock.withLock { _ in FileHandle.standardError.write(data) }
    }
}

// Routes libwebsockets' own log lines into the process logger.

import BridgeCore
import CLibWebSockets
import Synchronization

/// lws logs through one process-wide C hook, so the logger it feeds is process-wide too.
///
/// Some lws errors are one line per bad request ("Ran out of header data space" for every
/// over-long header), so a client could write the log as fast as it can send: past
/// `linesPerSecond` error lines in a second the rest are counted, and the count is logged
/// with the next line let through.
enum LWSLog {
    private static let logger = Mutex<Logger?>(nil)

    /// Most lws error lines logged in one second.
    static let linesPerSecond = 20

    private struct Budget {
        var second = -1.0
        var used = 0
        var suppressed = 0
    }

    private static let budget = Mutex(Budget())

    /// Sends lws errors to `target` at error level and its warnings at debug level (lws warns
    /// about every refused handshake, which an attacker controls).
    static func install(_ target: Logger) {
        logger.withLock { $0 = target }
        bridge_lws_set_log(LLL_ERR | LLL_WARN, lwsLogLine)
    }

    fileprivate static func emit(level: Int32, line: String) {
        guard let target = logger.withLock({ $0 }) else { return }
        let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if level & LLL_ERR != 0 {
            let now = Clock.monotonic().rounded(.down)
            let suppressed = budget.withLock { budget -> Int? in
                if budget.second != now {
                    budget.second = now
                    budget.used = 0
                }
                guard budget.used < linesPerSecond else {
                    budget.suppressed += 1
                    return nil
                }
                budget.used += 1
                defer { budget.suppressed = 0 }
                return budget.suppressed
            }
            guard let suppressed else { return }
            if suppressed > 0 {
                target.error("libwebsockets errors not logged", ("lws.suppressed", String(suppressed)))
            }
            target.error("libwebsockets error", ("lws.line", text))
        } else {
            target.debug("libwebsockets warning", ("lws.line", text))
        }
    }
}

private func lwsLogLine(_ level: Int32, _ line: UnsafePointer<CChar>?) {
    guard let line else { return }
    LWSLog.emit(level: level, line: String(cString: line))
}

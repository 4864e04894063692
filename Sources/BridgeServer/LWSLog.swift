// Routes libwebsockets' own log lines into the process logger.

import BridgeCore
import CLibWebSockets
import Synchronization

/// lws logs through one process-wide C hook, so the logger it feeds is process-wide too.
enum LWSLog {
    private static let logger = Mutex<Logger?>(nil)

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

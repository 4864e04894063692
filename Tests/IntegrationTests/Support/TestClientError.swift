// Why a test client gave up; every case describes itself for a failing test's output.

#if canImport(Glibc)
import Glibc
#endif

/// A failure of the loopback test clients. None of them is ever a crash of the test process.
enum TestClientError: Error, CustomStringConvertible {
    /// A bounded wait ran out; the associated text says what was awaited.
    case timedOut(String)
    /// The connection was already closed by this side.
    case closed
    /// A system call failed with the given `errno`.
    case system(String, Int32)
    /// The peer closed the stream after `afterBytes` bytes, before the expected end.
    case endOfStream(afterBytes: Int)
    /// The peer sent something the protocol does not allow; the text says what.
    case protocolViolation(String)
    /// The WebSocket upgrade was answered with something other than 101.
    case upgradeRefused(HTTPResponse)
    /// A precondition of the test harness is missing (binary not built, file unreadable).
    case setup(String)

    var description: String {
        switch self {
        case .timedOut(let what): "timed out waiting for \(what)"
        case .closed: "connection already closed"
        case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .endOfStream(let count): "the server closed the connection after \(count) bytes"
        case .protocolViolation(let what): "protocol violation from the server: \(what)"
        case .upgradeRefused(let response): "WebSocket upgrade refused: \(response.summary)"
        case .setup(let what): what
        }
    }
}

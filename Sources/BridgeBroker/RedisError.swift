// A failure talking to Redis, safe to log: never the URL, the password or a message body.

/// Why a Redis call failed.
public struct RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable kinds, for deciding what to do next.
    public enum Code: String, Sendable {
        /// The server cannot be reached, or the connection broke or timed out; retry later.
        case unavailable
        /// The server refused the credentials in `REDIS_URL`.
        case authentication
        /// The server answered a command with an error or an unexpected shape.
        case protocolViolation = "protocol"
    }

    /// The kind of failure.
    public var code: Code
    /// What happened, in words that carry no secret.
    public var message: String

    /// Creates an error; `message` must already be safe to log.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `redis <code>: <message>`.
    public var description: String { "redis \(code.rawValue): \(message)" }
}

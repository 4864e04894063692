// Why libcrypto could not be set up.

/// libcrypto is missing an algorithm or failed its start-up self-test.
public struct OpenSSLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What failed, safe to log.
    public var message: String

    /// An error explained by `message`.
    public init(_ message: String) {
        self.message = message
    }

    /// `openssl: message`, safe to log.
    public var description: String { "openssl: \(message)" }
}

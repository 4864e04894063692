// Why a client's WebSocket message could not be understood.

/// A client message that is not JSON, not an object, of an unknown `type`, or with a field of
/// the wrong shape. The connection stays open; the client is told `code` and `message`.
public struct ClientMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Always `.badMessage`: the client protocol has one code for every parse failure.
    public var code: ClientErrorCode { .badMessage }
    /// A sentence naming the field at fault, never its value; safe to send and to log.
    public var message: String
    /// The field at fault, when one is (`type`, `room`, …).
    public var field: String?

    /// An error about `field` (or the whole message) explained by `message`.
    public init(field: String?, _ message: String) {
        self.field = field
        self.message = message
    }

    /// `bad_message: message`, safe to log.
    public var description: String { "\(code.rawValue): \(message)" }
}

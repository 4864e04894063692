// A broker message that the strict decoder refused.

/// Why a message from the broker was refused. `description` names the field, never its value.
public struct WireFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The offending member; nil when the message as a whole is wrong.
    public var field: String?
    /// What is wrong, without quoting the message.
    public var message: String

    /// Creates an error about `field` (nil for the whole message).
    public init(field: String?, _ message: String) {
        self.field = field
        self.message = message
    }

    /// `field: message`, or the message alone; safe to log.
    public var description: String {
        guard let field else { return message }
        return "\(field): \(message)"
    }
}

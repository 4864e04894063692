// Why a request to create a notification was refused, with the field at fault.

/// A refused notification request; `message` names the field and is safe to return.
public struct NotificationInputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable, machine-readable kinds.
    public enum Code: String, Sendable {
        /// The body is not a JSON object, or nests too deeply.
        case invalidJSON = "invalid_json"
        /// A field is missing, has the wrong type, or breaks a limit.
        case invalidField = "invalid_field"
        /// A field the request does not have (a misspelt `targetUserIds` must never become
        /// a message to the whole organisation).
        case unknownField = "unknown_field"
        /// A target names a user of another organisation.
        case foreignTarget = "foreign_target"
    }

    /// What was wrong.
    public var code: Code
    /// The offending field, such as `title` or `targetUserIds[3]`; nil for the body as a whole.
    public var field: String?
    /// A sentence for people, naming the field; never repeats the value.
    public var message: String
    /// The title's length in Unicode scalars, when the body had a string title (for the audit).
    public var titleLength: Int?
    /// The title, when the body had a string title (for the audit; escaped wherever it is written).
    public var title: String?
    /// How many targets the body listed, when it had a target array (for the audit).
    public var targetCount: Int?

    /// An error of kind `code` at `field`.
    public init(_ code: Code, field: String?, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    /// `code (field): message`, safe to log.
    public var description: String {
        "\(code.rawValue)\(field.map { " (\($0))" } ?? ""): \(message)"
    }
}

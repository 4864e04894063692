// A checked request to create a notification: what an admin asked to send, within the limits.

/// The fields of a `POST /api/notifications` body after every check has passed.
public struct NotificationDraft: Sendable, Equatable {
    /// Longest title, in Unicode scalars.
    public static let maxTitleLength = 200
    /// Longest body, in Unicode scalars.
    public static let maxBodyLength = 4000
    /// Most targets in one notification.
    public static let maxTargets = 1000
    /// Largest `data` object, in bytes of its compact JSON.
    public static let maxDataBytes = 16 * 1024
    /// Separates an organisation from a user in a qualified target, `org/user`. Ids never
    /// contain it, so a qualified target cannot be mistaken for a plain one.
    public static let qualifierSeparator: Character = "/"

    /// 1 to 200 scalars, no NUL.
    public var title: String
    /// Up to 4,000 scalars, no NUL.
    public var body: String
    /// Plain user ids of the sender's organisation, first occurrence order, no repeats;
    /// empty for the whole organisation.
    public var targetUserIDs: [String]
    /// The `data` object as compact JSON with sorted keys; `{}` when absent.
    public var dataJSON: String

    /// A draft with every field given (already checked).
    public init(title: String, body: String, targetUserIDs: [String], dataJSON: String) {
        self.title = title
        self.body = body
        self.targetUserIDs = targetUserIDs
        self.dataJSON = dataJSON
    }
}

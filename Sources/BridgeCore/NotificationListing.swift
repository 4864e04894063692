// A notification as one user sees it: the notification and whether that user has read it.

/// A notification and its read state for one user.
public struct NotificationListing: Sendable, Equatable {
    /// The notification.
    public var notification: NotificationRecord
    /// When this user first marked it read, in Unix milliseconds; nil while unread.
    public var readAtMillis: Int64?

    /// A notification with a user's read time.
    public init(notification: NotificationRecord, readAtMillis: Int64?) {
        self.notification = notification
        self.readAtMillis = readAtMillis
    }

    /// Whether the user has read it.
    public var isRead: Bool { readAtMillis != nil }
}

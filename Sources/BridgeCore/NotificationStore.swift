// The storage contract of notifications and their per-user read state.

/// Stored notifications. Implementations are safe from any thread; each call is one transaction.
public protocol NotificationStore: AnyObject, Sendable {
    /// Stores `notification` with the recipients it is visible to.
    func insertNotification(_ notification: NotificationRecord) throws

    /// The notifications `userID` of `orgID` may see (addressed to them, or to the whole
    /// organisation), newest first (by time, then id), after `cursor`, at most `limit`, each
    /// with that user's read time.
    func notifications(
        orgID: String,
        userID: String,
        after cursor: NotificationCursor?,
        limit: Int
    ) throws -> [NotificationListing]

    /// Marks notification `id` read for `userID` of `orgID` at `atMillis`, if that user may see
    /// it; a second mark keeps the first time. Returns the notification with its read time,
    /// or nil when it does not exist or is not the user's.
    func markNotificationRead(
        id: String,
        orgID: String,
        userID: String,
        atMillis: Int64
    ) throws
        -> NotificationListing?
}

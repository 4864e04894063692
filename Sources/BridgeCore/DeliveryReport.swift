// How many connections an accepted event reached, on its way from the loop to the outbox.

/// The recipient count of one pushed event.
public struct DeliveryReport: Sendable, Equatable {
    /// The pushed event.
    public var eventID: String
    /// Connections it was queued to.
    public var recipients: Int64
    /// When it was pushed, in milliseconds since the Unix epoch.
    public var pushedAtMillis: Int64

    /// A count for `eventID`.
    public init(eventID: String, recipients: Int64, pushedAtMillis: Int64) {
        self.eventID = eventID
        self.recipients = recipients
        self.pushedAtMillis = pushedAtMillis
    }
}

// One acknowledgement in the outbox, as stored.

/// A row of the `deliveries` outbox: the acknowledgement of one webhook and how sending it went.
public struct Delivery: Sendable, Equatable {
    /// The acknowledgement's own id, sent as its `webhook-id`; the same on every attempt.
    public var id: String
    /// The stored event the acknowledgement is about.
    public var eventID: String
    /// The source the webhook came from, and the one the acknowledgement goes to.
    public var sourceID: String
    /// The source's `webhook-id` of the acknowledged webhook.
    public var webhookID: String
    /// The organisation of the event; scopes who may list and retry the row.
    public var orgID: String
    /// What the acknowledgement reports.
    public var outcome: DeliveryOutcome
    /// Where the row is in the outbox.
    public var status: DeliveryStatus
    /// Connections the event was pushed to; nil until the loop reports it.
    public var recipients: Int64?
    /// Attempts made so far.
    public var attempts: Int
    /// Earliest time of the next attempt, in milliseconds since the Unix epoch.
    public var nextAttemptAtMillis: Int64
    /// The HTTP status of the last answer, if the last attempt got one.
    public var lastHTTPStatus: Int?
    /// Why the last attempt failed, safe to show (no URL, no body).
    public var lastError: String?
    /// When the event was pushed (or stored, when it never was), in milliseconds since the epoch.
    public var deliveredAtMillis: Int64
    /// When the row was written, in milliseconds since the Unix epoch.
    public var createdAtMillis: Int64
    /// When the row last changed, in milliseconds since the Unix epoch.
    public var updatedAtMillis: Int64

    /// Creates a row as read back from a store.
    public init(
        id: String,
        eventID: String,
        sourceID: String,
        webhookID: String,
        orgID: String,
        outcome: DeliveryOutcome,
        status: DeliveryStatus,
        recipients: Int64?,
        attempts: Int,
        nextAttemptAtMillis: Int64,
        lastHTTPStatus: Int?,
        lastError: String?,
        deliveredAtMillis: Int64,
        createdAtMillis: Int64,
        updatedAtMillis: Int64
    ) {
        self.id = id
        self.eventID = eventID
        self.sourceID = sourceID
        self.webhookID = webhookID
        self.orgID = orgID
        self.outcome = outcome
        self.status = status
        self.recipients = recipients
        self.attempts = attempts
        self.nextAttemptAtMillis = nextAttemptAtMillis
        self.lastHTTPStatus = lastHTTPStatus
        self.lastError = lastError
        self.deliveredAtMillis = deliveredAtMillis
        self.createdAtMillis = createdAtMillis
        self.updatedAtMillis = updatedAtMillis
    }

    /// The id of the acknowledgement of `eventID` reporting `outcome`.
    ///
    /// Derived, not random, so that writing the same acknowledgement twice (a duplicate that
    /// arrives again, a batch the PostgreSQL store runs again) finds the row already there.
    public static func id(eventID: String, outcome: DeliveryOutcome) -> String {
        "ack_\(outcome.rawValue)_\(eventID)"
    }
}

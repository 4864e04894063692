// A security-relevant happening, as the server reports it to the audit trail.

/// Who acted, as far as the server could tell.
public struct SecurityActor: Sendable, Equatable {
    /// The token's `sub`.
    public var userID: String
    /// The token's `org`.
    public var orgID: String
    /// The token's `role`.
    public var role: String

    /// An actor from verified token claims.
    public init(userID: String, orgID: String, role: String) {
        self.userID = userID
        self.orgID = orgID
        self.role = role
    }
}

/// One event for the security audit: what happened, to whom, from where.
public struct SecurityEvent: Sendable, Equatable {
    /// Stable event name, e.g. `NOTIFICATION_CREATED`, `WEBHOOK_SIGNATURE_FAILED`.
    public var name: String
    /// `allowed`, `denied` or `failed`.
    public var outcome: String
    /// The authenticated caller, when there was one.
    public var actor: SecurityActor?
    /// Organisation the event belongs to when there is no actor (a webhook's `orgId`, say).
    public var orgID: String?
    /// Ids the action was aimed at (target users, a notification id).
    public var targets: [String]
    /// Small facts about the event (lengths, counts, reasons); never secrets or bodies.
    public var metadata: [String: String]
    /// The client's address.
    public var clientIP: String
    /// The client's User-Agent, untrusted.
    public var userAgent: String?
    /// The request id, when the event came from an HTTP request.
    public var requestID: String?
    /// When set, events with the same name and key are aggregated per minute instead of each
    /// being written, so an attacker cannot flood the trail (the key is usually the client IP).
    public var aggregationKey: String?

    /// Describes one security event.
    public init(
        name: String,
        outcome: String,
        actor: SecurityActor? = nil,
        orgID: String? = nil,
        targets: [String] = [],
        metadata: [String: String] = [:],
        clientIP: String,
        userAgent: String? = nil,
        requestID: String? = nil,
        aggregationKey: String? = nil
    ) {
        self.name = name
        self.outcome = outcome
        self.actor = actor
        self.orgID = orgID
        self.targets = targets
        self.metadata = metadata
        self.clientIP = clientIP
        self.userAgent = userAgent
        self.requestID = requestID
        self.aggregationKey = aggregationKey
    }
}

/// Receives security events. Implementations return at once and are safe from any thread.
public protocol SecurityAuditing: Sendable {
    /// Records `event` (or counts it into its aggregate).
    func record(_ event: SecurityEvent)
}

/// Receives how many connections an accepted event was pushed to, for delivery acknowledgements.
/// Called on the event loop: implementations must return at once.
public protocol DeliveryObserver: Sendable {
    /// `eventID` was queued to `recipients` connections.
    func pushed(eventID: String, sourceID: String, recipients: Int)
}

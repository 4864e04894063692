// What an acknowledgement tells the source about its webhook: the `status` field of `delivery.ack`.

/// The fate of one webhook as its acknowledgement reports it.
public enum DeliveryOutcome: String, Sendable, CaseIterable {
    /// Stored as current and pushed to the connections watching its rooms.
    case delivered
    /// Stored but not pushed: its version was older than (or conflicted with) the stored one.
    case stale
    /// The source had sent this webhook id before; nothing new was stored or pushed.
    case duplicate

    /// The acknowledgement an append outcome calls for: which event it is about and what it says.
    ///
    /// A conflict is reported as `stale`: in both cases the source's event was kept but not pushed.
    public init(_ outcome: AppendOutcome) {
        switch outcome {
        case .accepted: self = .delivered
        case .stale, .conflict: self = .stale
        case .duplicate: self = .duplicate
        }
    }

    /// Whether the recipient count is known at commit time; only pushed events wait for the loop.
    public var recipientsKnownAtCommit: Bool {
        self != .delivered
    }
}

extension AppendOutcome {
    /// The id of the stored event the outcome is about (for a duplicate, the first copy's).
    public var eventID: String {
        switch self {
        case .accepted(let stored): stored.eventID
        case .duplicate(let eventID, _), .stale(let eventID), .conflict(let eventID): eventID
        }
    }
}

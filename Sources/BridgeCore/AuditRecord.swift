// One entry of the security audit trail, built from a `SecurityEvent` and bounded in size.

/// What the audit trail keeps about one security event (or one minute's aggregate of them).
///
/// Every text is cut to a fixed length when the record is made, so no input can make a record
/// large: a log line and a stored row stay a few kilobytes at most.
public struct AuditRecord: Sendable, Equatable {
    /// Longest user agent kept, in Unicode scalars.
    public static let maxUserAgentLength = 512
    /// Longest metadata value kept, in Unicode scalars.
    public static let maxMetadataValueLength = 256
    /// Most metadata entries kept (the first ones in key order).
    public static let maxMetadataEntries = 32
    /// Most target ids kept; events with more carry their full count in metadata.
    public static let maxTargets = 100
    /// Longest identifier-like text kept: names, ids, addresses.
    public static let maxShortTextLength = 128

    /// When it happened, in Unix milliseconds.
    public var atMillis: Int64
    /// Stable event name, such as `NOTIFICATION_CREATED`.
    public var event: String
    /// `allowed`, `denied` or `failed`.
    public var outcome: String
    /// The authenticated caller, if any.
    public var actor: SecurityActor?
    /// The organisation the record belongs to: the actor's, else the event's own.
    public var orgID: String?
    /// Ids the action was aimed at.
    public var targets: [String]
    /// Small facts about the event.
    public var metadata: [String: String]
    /// The client's address.
    public var clientIP: String
    /// The client's User-Agent, untrusted.
    public var userAgent: String?
    /// The request id, when the event came from an HTTP request.
    public var requestID: String?
    /// How many occurrences this record stands for: 1, or the size of a minute's aggregate.
    public var count: Int

    /// A record of `event` at `atMillis`, standing for `count` occurrences.
    public init(event: SecurityEvent, atMillis: Int64, count: Int = 1) {
        self.atMillis = atMillis
        self.event = Self.cut(event.name, to: Self.maxShortTextLength)
        self.outcome = Self.cut(event.outcome, to: Self.maxShortTextLength)
        self.actor = event.actor.map {
            SecurityActor(
                userID: Self.cut($0.userID, to: Self.maxShortTextLength),
                orgID: Self.cut($0.orgID, to: Self.maxShortTextLength),
                role: Self.cut($0.role, to: Self.maxShortTextLength)
            )
        }
        self.orgID = (event.actor?.orgID ?? event.orgID).map { Self.cut($0, to: Self.maxShortTextLength) }
        self.targets = event.targets.prefix(Self.maxTargets).map { Self.cut($0, to: Self.maxShortTextLength) }
        var metadata: [String: String] = [:]
        for key in event.metadata.keys.sorted().prefix(Self.maxMetadataEntries) {
            metadata[Self.cut(key, to: Self.maxShortTextLength)] = event.metadata[key].map {
                Self.cut($0, to: Self.maxMetadataValueLength)
            }
        }
        self.metadata = metadata
        self.clientIP = Self.cut(event.clientIP, to: Self.maxShortTextLength)
        self.userAgent = event.userAgent.map { Self.cut($0, to: Self.maxUserAgentLength) }
        self.requestID = event.requestID.map { Self.cut($0, to: Self.maxShortTextLength) }
        self.count = max(1, count)
    }

    /// `text` limited to `limit` Unicode scalars; scalars, not characters, so that combining
    /// marks cannot pile up without bound inside one character.
    static func cut(_ text: String, to limit: Int) -> String {
        guard text.unicodeScalars.count > limit else { return text }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.prefix(limit))
        return String(scalars)
    }
}

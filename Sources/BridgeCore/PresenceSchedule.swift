// When this instance tells the others about its connections, and which counts it sends.

/// Keeps track of the users whose connection counts changed and turns them into reports:
/// the changed users on each call, and every user now and then. Loop-confined; time is an
/// argument.
///
/// Call `reports` at a steady pace (the loop's tick): changes made between two calls go out
/// together, which bounds the broker traffic however fast clients come and go.
public struct PresenceSchedule: Sendable {
    /// How often every non-zero count is sent again, whether it changed or not. Receivers keep
    /// a count for `ClusterPresence.expirySeconds` (35 s) after its last refresh.
    public static let fullRefreshSeconds = 10.0
    /// The shortest time between two full refreshes asked for by `refreshSoon`.
    public static let minimumRefreshGapSeconds = 1.0

    /// This instance's id, carried by every report.
    public let instanceID: String
    private var changed: Set<String> = []
    private var reportedConnections: Int?
    private var nextFullRefreshAt = -Double.infinity
    private var lastFullRefreshAt = -Double.infinity

    /// A schedule for `instanceID`; its first call to `reports` sends a full refresh.
    public init(instanceID: String) {
        self.instanceID = instanceID
    }

    /// Notes that `user`'s count on this instance changed.
    public mutating func userChanged(_ user: String) {
        changed.insert(user)
    }

    /// Brings the next full refresh forward to at most `minimumRefreshGapSeconds` after the
    /// last one: for a newcomer that knows nothing yet, or after the link was down.
    public mutating func refreshSoon() {
        nextFullRefreshAt = min(nextFullRefreshAt, lastFullRefreshAt + Self.minimumRefreshGapSeconds)
    }

    /// The reports due at `now`, empty when nothing changed and no refresh is due.
    ///
    /// - Parameters:
    ///   - connections: every WebSocket connection this instance has open.
    ///   - counts: the non-zero per-user counts; a changed user missing from it is sent as 0.
    public mutating func reports(now: Double, connections: Int, counts: [String: Int]) -> [PresenceReport] {
        let entries: [PresenceReport.Entry]
        if now >= nextFullRefreshAt {
            nextFullRefreshAt = now + Self.fullRefreshSeconds
            lastFullRefreshAt = now
            let current = counts.compactMap { user, count in
                count > 0 ? PresenceReport.Entry(user: user, count: count) : nil
            }
            let gone = changed.compactMap { user in
                counts[user, default: 0] > 0 ? nil : PresenceReport.Entry(user: user, count: 0)
            }
            entries = current + gone
        } else if !changed.isEmpty || reportedConnections != connections {
            entries = changed.map { PresenceReport.Entry(user: $0, count: max(counts[$0, default: 0], 0)) }
        } else {
            return []
        }
        changed = []
        reportedConnections = connections
        let size = PresenceWireFormat.maxUsersPerReport
        let chunks = stride(from: 0, to: max(entries.count, 1), by: size).map { start in
            Array(entries[start..<min(start + size, entries.count)])
        }
        return chunks.map { PresenceReport(instanceID: instanceID, connections: connections, users: $0) }
    }

    /// The last report of an instance that is shutting down: the others forget it at once
    /// instead of waiting for its counts to expire.
    public var finalReport: PresenceReport {
        PresenceReport(instanceID: instanceID, connections: 0, users: [], isFinal: true)
    }
}

// What this instance knows of the other instances' connections, from their presence reports.

/// The other instances' connection counts, per instance and per user, with a running total per
/// user so that a cap check costs one dictionary lookup. Loop-confined; time is an argument.
///
/// Whatever is not refreshed within `expirySeconds` is forgotten by `expire`: an instance that
/// died, or a user whose zero was lost. Reports are input from the network, so the number of
/// instances and of users per instance is bounded; what passes a bound is refused.
public struct ClusterPresence: Sendable {
    /// How long an instance, or one user's count on it, lasts without a report naming it.
    /// Instances refresh every count every `PresenceSchedule.fullRefreshSeconds` (10 s), so
    /// this survives two lost refreshes.
    public static let expirySeconds = 35.0
    /// Most remote instances tracked; reports from more are refused.
    public static let maxInstances = 100
    /// Most users tracked for one instance; further users of that instance are refused.
    public static let maxUsersPerInstance = 200_000
    /// Most user counts tracked over all instances together (a few hundred MiB at worst), so
    /// that a flood of reports cannot take `maxInstances` × `maxUsersPerInstance` entries.
    public static let maxTrackedEntries = 1_000_000

    /// What `apply` did with a report.
    public enum Outcome: Sendable, Equatable {
        /// Taken in, every entry of it.
        case applied
        /// This instance's own report, ignored.
        case own
        /// Refused at least in part because a bound was reached; the rest was taken in.
        case overLimit
    }

    private struct Instance {
        var connections: Int
        var seenAt: Double
        var users: [String: (count: Int, refreshedAt: Double)] = [:]
    }

    /// This instance's id: its own reports, heard back from the broker, are ignored.
    public let localInstanceID: String
    private var instances: [String: Instance] = [:]
    private var userTotals: [String: Int] = [:]
    /// User counts held over all instances, against `maxTrackedEntries`.
    private var trackedEntries = 0
    /// Connections open on the other instances, summed.
    public private(set) var remoteConnections = 0

    /// An empty view for the instance `localInstanceID`.
    public init(localInstanceID: String) {
        self.localInstanceID = localInstanceID
    }

    /// Other instances heard from within `expirySeconds`.
    public var remoteInstances: Int { instances.count }

    /// Whether a report from `instanceID` was taken in and has not expired since.
    public func knows(_ instanceID: String) -> Bool {
        instances[instanceID] != nil
    }

    /// Connections `user` holds on the other instances.
    public func remoteCount(_ user: String) -> Int {
        userTotals[user, default: 0]
    }

    /// Takes in a report heard at `now`. A final report forgets its instance.
    @discardableResult
    public mutating func apply(_ report: PresenceReport, now: Double) -> Outcome {
        guard report.instanceID != localInstanceID else { return .own }
        if report.isFinal {
            forget(report.instanceID)
            return .applied
        }
        guard instances[report.instanceID] != nil || instances.count < Self.maxInstances else { return .overLimit }
        // Taken out while it changes, so its users are changed in place rather than copied.
        var instance = instances.removeValue(forKey: report.instanceID) ?? Instance(connections: 0, seenAt: now)
        var outcome = Outcome.applied
        let connections = Self.bounded(report.connections)
        remoteConnections += connections - instance.connections
        instance.connections = connections
        instance.seenAt = now
        for entry in report.users {
            let count = Self.bounded(entry.count)
            let previous = instance.users[entry.user]?.count ?? 0
            if count == 0 {
                if instance.users.removeValue(forKey: entry.user) != nil { trackedEntries -= 1 }
            } else if previous == 0,
                instance.users.count >= Self.maxUsersPerInstance || trackedEntries >= Self.maxTrackedEntries
            {
                outcome = .overLimit
                continue
            } else {
                if previous == 0 { trackedEntries += 1 }
                instance.users[entry.user] = (count, now)
            }
            adjustTotal(entry.user, by: count - previous)
        }
        instances[report.instanceID] = instance
        return outcome
    }

    /// Forgets instances and counts not refreshed within `expirySeconds` of `now`. Walks every
    /// entry: call it now and then (every few seconds), not per connection.
    public mutating func expire(now: Double) {
        let cutoff = now - Self.expirySeconds
        for id in Array(instances.keys) {
            guard var instance = instances.removeValue(forKey: id) else { continue }
            guard instance.seenAt >= cutoff else {
                subtract(instance)
                continue
            }
            let stale = instance.users.filter { $0.value.refreshedAt < cutoff }
            for (user, entry) in stale {
                instance.users[user] = nil
                trackedEntries -= 1
                adjustTotal(user, by: -entry.count)
            }
            instances[id] = instance
        }
    }

    private mutating func forget(_ id: String) {
        guard let instance = instances.removeValue(forKey: id) else { return }
        subtract(instance)
    }

    /// Takes what `instance` added out of the totals.
    private mutating func subtract(_ instance: Instance) {
        remoteConnections -= instance.connections
        trackedEntries -= instance.users.count
        for (user, entry) in instance.users {
            adjustTotal(user, by: -entry.count)
        }
    }

    /// A count within what the wire format admits, so that sums over the bounded number of
    /// instances cannot overflow whoever built the report.
    private static func bounded(_ count: Int) -> Int {
        min(max(count, 0), PresenceWireFormat.maxCount)
    }

    private mutating func adjustTotal(_ user: String, by change: Int) {
        let total = userTotals[user, default: 0] + change
        userTotals[user] = total > 0 ? total : nil
    }
}

// What one bridge instance tells the others about its WebSocket connections.

/// One instance's connection counts at a moment: its total, and an absolute count per user.
///
/// Counts are absolute, never deltas, so a lost report is healed by the next one that names
/// the same user, at the latest by the periodic full refresh. A user whose last connection
/// closed is reported once with a count of 0.
public struct PresenceReport: Sendable, Equatable {
    /// One user's open connections on the reporting instance.
    public struct Entry: Sendable, Equatable {
        /// The user's key, as `userKey(orgID:subject:)` makes it.
        public var user: String
        /// Connections the instance holds for the user, handshakes in progress included.
        public var count: Int

        /// An entry for `user` with `count` connections.
        public init(user: String, count: Int) {
            self.user = user
            self.count = count
        }
    }

    /// The reporting instance: a random UUID drawn at its start.
    public var instanceID: String
    /// Every WebSocket connection the instance has open, authenticated or not.
    public var connections: Int
    /// The users whose counts this report carries; not necessarily all of the instance's users.
    public var users: [Entry]
    /// Set in the last report of an instance that is shutting down: forget it at once.
    public var isFinal: Bool

    /// A report from `instanceID`.
    public init(instanceID: String, connections: Int, users: [Entry], isFinal: Bool = false) {
        self.instanceID = instanceID
        self.connections = connections
        self.users = users
        self.isFinal = isFinal
    }

    /// The key a user's connections are counted under: organisation and subject, which together
    /// name one person. The NUL between them cannot occur in either identifier.
    public static func userKey(orgID: String, subject: String) -> String {
        orgID + "\u{0}" + subject
    }

    /// The organisation and subject of a key made by `userKey`, or nil for any other string.
    public static func parts(ofUserKey key: String) -> (orgID: String, subject: String)? {
        let halves = key.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false)
        guard halves.count == 2 else { return nil }
        return (String(halves[0]), String(halves[1]))
    }
}

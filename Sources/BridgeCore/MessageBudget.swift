// The per-connection and per-user message budgets, and when abuse turns into a close.

/// What to do with one client message under the rate limit.
public enum BudgetDecision: Sendable, Equatable {
    /// Handle the message.
    case allow
    /// Drop it and tell the client `rate_limited`.
    case reject
    /// Drop it and close the connection with 1008: the client keeps ignoring the limit.
    case close
}

/// Rate limits for every connection and every user, loop-confined. A user's bucket outlives
/// their connections, so reconnecting does not refill it.
public struct MessageBudget: Sendable {
    /// Messages allowed per window.
    public let messages: Int
    /// The window, in seconds.
    public let windowSeconds: Double
    /// Rejected messages within one window that close the connection.
    public let closeAfterRejections: Int

    private var connections: [Int: (bucket: TokenBucket, rejections: [Double])] = [:]
    private var users: [String: TokenBucket] = [:]

    /// Budgets of `messages` per `windowSeconds`; `closeAfterRejections` over-limit messages
    /// inside one window end the connection.
    public init(messages: Int, windowSeconds: Double, closeAfterRejections: Int? = nil) {
        self.messages = max(messages, 1)
        self.windowSeconds = windowSeconds
        self.closeAfterRejections = closeAfterRejections ?? max(messages, 1)
    }

    /// Charges one message of `connection`, belonging to `user` when authenticated.
    ///
    /// - Parameter userCost: what the message costs the user's budget; see `userCost(local:cluster:maxConnections:)`.
    public mutating func charge(connection: Int, user: String?, now: Double, userCost: Double = 1) -> BudgetDecision {
        var entry =
            connections[connection] ?? (TokenBucket(capacity: messages, windowSeconds: windowSeconds, now: now), [])
        var allowed = entry.bucket.take(now: now)
        if let user {
            var bucket = users[user] ?? TokenBucket(capacity: messages, windowSeconds: windowSeconds, now: now)
            // Charge the user even when the connection is over, so parallel connections share one budget.
            allowed = bucket.take(now: now, cost: userCost) && allowed
            users[user] = bucket
        }
        defer { connections[connection] = entry }
        if allowed { return .allow }
        entry.rejections.removeAll { now - $0 >= windowSeconds }
        entry.rejections.append(now)
        return entry.rejections.count >= closeAfterRejections ? .close : .reject
    }

    /// The cost of one message to the budget of a user with `local` connections on this instance
    /// and `cluster` on all instances together: `cluster / local`, at least 1. Each instance keeps
    /// its own bucket per user, so a user spread over several instances gets the matching share
    /// of the budget on each, and the whole cluster holds them to about one budget.
    ///
    /// `cluster` counts for at most `maxConnections` (the per-user cap): more is a propagation
    /// race or a forged presence report, and its cost would leave the user's bucket in a debt
    /// that outlives the report by days.
    public static func userCost(local: Int, cluster: Int, maxConnections: Int) -> Double {
        let cluster = min(cluster, max(maxConnections, local))
        guard local > 0, cluster > local else { return 1 }
        return Double(cluster) / Double(local)
    }

    /// Forgets a closed connection (its user's bucket stays).
    public mutating func remove(connection: Int) {
        connections[connection] = nil
    }

    /// Drops user buckets that have refilled completely; call now and then.
    public mutating func prune(now: Double) {
        users = users.filter { !$0.value.isFull(now: now) }
    }
}

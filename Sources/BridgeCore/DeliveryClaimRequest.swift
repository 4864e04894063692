// The parameters of one outbox claim: which due rows a sender may take, and for how long.

/// Asks a `DeliveryStore` for due acknowledgements and leases them to one sender.
public struct DeliveryClaimRequest: Sendable, Equatable {
    /// Marks the claimed rows; only this token can finish or release them.
    public var token: String
    /// The current time, in milliseconds since the Unix epoch.
    public var nowMillis: Int64
    /// How long the rows stay claimed; after that another sender may take them. It must
    /// exceed the longest attempt, or two senders could make the same attempt.
    public var leaseMillis: Int64
    /// Rows still waiting for their recipient count are due once written before this time
    /// (the grace period for events the loop never reported).
    public var unreportedBeforeMillis: Int64
    /// The most rows each source may get, keyed by source; sources not listed get none.
    public var quotas: [String: Int]
    /// The most rows in all.
    public var limit: Int

    /// Bundles the parameters of a claim.
    public init(
        token: String,
        nowMillis: Int64,
        leaseMillis: Int64,
        unreportedBeforeMillis: Int64,
        quotas: [String: Int],
        limit: Int
    ) {
        self.token = token
        self.nowMillis = nowMillis
        self.leaseMillis = leaseMillis
        self.unreportedBeforeMillis = unreportedBeforeMillis
        self.quotas = quotas
        self.limit = limit
    }

    /// When the lease ends: `nowMillis + leaseMillis`, stopping at `Int64.max`.
    public var claimedUntilMillis: Int64 {
        let (sum, overflow) = nowMillis.addingReportingOverflow(max(0, leaseMillis))
        return overflow ? .max : sum
    }

    /// The quotas as a JSON object, for stores that join them as a table; sources with no
    /// room left are dropped.
    public var quotasJSON: String {
        let text = JSONText.object { json in
            for (source, quota) in quotas.sorted(by: { $0.key < $1.key }) where quota > 0 {
                json.field(source, Int64(quota))
            }
        }
        return String(decoding: text, as: UTF8.self)
    }
}

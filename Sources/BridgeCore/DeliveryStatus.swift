// Where an acknowledgement is in the outbox: waiting, sent, or given up.

/// The state of one row of the `deliveries` outbox.
public enum DeliveryStatus: String, Sendable, CaseIterable {
    /// Not yet accepted by the source; sent when due.
    case pending
    /// The source answered 2xx; nothing more to do.
    case sent
    /// Dead-lettered: attempts ran out or the source answered 410. Only a manual retry revives it.
    case failed
}

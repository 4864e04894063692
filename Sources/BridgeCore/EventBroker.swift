// The contract for fanning events out across bridge instances through an existing broker.

/// Whether the broker link is usable.
public enum BrokerState: String, Sendable {
    /// No broker configured: a single instance.
    case disabled
    /// Connected and subscribed.
    case connected
    /// Lost; local delivery goes on and the link retries by itself.
    case disconnected
}

/// Carries committed events between instances. The database stays the source of truth: a lost
/// message is repaired from it, so the broker only has to be fast.
public protocol EventBroker: AnyObject, Sendable {
    /// Publishes a committed, pushed event to every instance (this one included may hear it
    /// back; receivers drop what they already delivered). Must not block for long.
    func publish(_ event: StoredEvent)

    /// Starts receiving. `onEvent` is called with every event another instance (or this one)
    /// published; `onState` whenever the link goes up or down. Both run on the broker's thread.
    func start(
        onEvent: @escaping @Sendable (StoredEvent) -> Void,
        onState: @escaping @Sendable (BrokerState) -> Void
    )

    /// Stops receiving and closes the connections.
    func stop()

    /// The link's state now.
    var state: BrokerState { get }
}

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

/// Carries committed events, and each instance's connection counts, between instances. The
/// database stays the source of truth for events: a lost message is repaired from it, so the
/// broker only has to be fast. Presence reports carry absolute counts and are sent again
/// periodically, so a lost one heals by itself.
public protocol EventBroker: AnyObject, Sendable {
    /// Publishes a committed, pushed event to every instance (this one included may hear it
    /// back; receivers drop what they already delivered). Must not block for long.
    func publish(_ event: StoredEvent)

    /// Publishes this instance's connection counts to every instance (this one included may
    /// hear it back; receivers ignore their own). Returns at once; may drop the report when the
    /// link is down or backed up.
    func publish(_ report: PresenceReport)

    /// Publishes a room push that is not a stored event (a notification) to every instance,
    /// tagged with this instance's ID so that it can ignore its own. Returns at once; a push
    /// lost while the link is down is not repeated (the notification stays listable).
    func publish(_ push: RoomPush, instanceID: String)

    /// Starts receiving. `onEvent` is called with every event another instance (or this one)
    /// published, `onPresence` with every well-formed presence report, `onPush` with every
    /// well-formed room push, and `onState` whenever the link goes up or down. All run on the
    /// broker's thread.
    func start(
        onEvent: @escaping @Sendable (StoredEvent) -> Void,
        onPresence: @escaping @Sendable (PresenceReport) -> Void,
        onPush: @escaping @Sendable (RoomPushWireFormat.Envelope) -> Void,
        onState: @escaping @Sendable (BrokerState) -> Void
    )

    /// Stops receiving and closes the connections, after sending what is queued.
    func stop()

    /// The link's state now.
    var state: BrokerState { get }
}

// The Redis implementation of `EventBroker`: one publishing and one subscribing connection.

import BridgeCore
import Synchronization

/// Fans committed events out to every bridge instance through Redis pub/sub.
///
/// Each organisation has a channel, `<prefix>:events:<orgId>`; every instance listens on all of
/// them with one `PSUBSCRIBE` and hears its own events back too (the ordering gate drops what it
/// already delivered). Redis only has to be fast: a message lost while Redis is away is read
/// back from the database by the receivers' gap repair.
///
/// Presence reports (each instance's connection counts) travel on one more channel,
/// `<prefix>:presence`, and notifications on `<prefix>:notifications`, over the same two
/// connections.
public final class RedisBroker: EventBroker {
    /// Room on top of the largest webhook body for the event's other fields and escaping.
    static let envelopeBytes = 64 * 1024

    private let publisher: RedisPublisher
    private let subscriber: RedisSubscriber
    private let currentState = Mutex(BrokerState.disconnected)

    /// Prepares a broker for `config`. Nothing connects until `start`; publishing works from
    /// then on. `maxEventBytes` bounds an incoming message (use the webhook body limit).
    public init(config: RedisConfiguration, logger: Logger, maxEventBytes: Int) {
        let logger = logger.with("broker.url", config.description)
        publisher = RedisPublisher(config: config, logger: logger)
        subscriber = RedisSubscriber(
            config: config,
            logger: logger,
            maxMessageBytes: maxEventBytes.addingReportingOverflow(Self.envelopeBytes).partialValue
        )
    }

    /// Queues `event` for every instance; returns at once.
    public func publish(_ event: StoredEvent) {
        publisher.enqueue(.event(event))
    }

    /// Queues `report` for every instance; returns at once.
    public func publish(_ report: PresenceReport) {
        publisher.enqueue(.presence(report))
    }

    /// Queues `push` for every instance; returns at once.
    public func publish(_ push: RoomPush, instanceID: String) {
        publisher.enqueue(.push(push, instanceID: instanceID))
    }

    /// Starts both connections' threads.
    public func start(
        onEvent: @escaping @Sendable (StoredEvent) -> Void,
        onPresence: @escaping @Sendable (PresenceReport) -> Void,
        onPush: @escaping @Sendable (RoomPushWireFormat.Envelope) -> Void,
        onState: @escaping @Sendable (BrokerState) -> Void
    ) {
        publisher.start()
        subscriber.start(.init(onEvent: onEvent, onPresence: onPresence, onPush: onPush)) { [self] state in
            currentState.withLock { $0 = state }
            onState(state)
        }
    }

    /// Sends what is queued, then closes both connections.
    public func stop() {
        subscriber.stop()
        publisher.stop()
    }

    /// `connected` while subscribed; `disconnected` otherwise.
    public var state: BrokerState {
        currentState.withLock { $0 }
    }
}

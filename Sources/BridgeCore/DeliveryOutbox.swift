// The event store the ingest path writes through when acknowledgements are on.

/// An `EventStore` that appends through `DeliveryStore.append(_:outboxFor:)`, so that every
/// webhook of a source with an acknowledgement URL gets its outbox row in the transaction that
/// stores it. Every other call goes straight to the engine.
///
/// Hand this to the ingest path only; give other components the engine itself, so that
/// casts to the engine's further protocols keep working.
public final class DeliveryOutbox: EventStore {
    /// The engine underneath.
    public let base: any EventStore & DeliveryStore
    /// Sources whose webhooks are acknowledged.
    public let ackSources: Set<String>

    /// Wraps `base`; with no `ackSources` it behaves exactly like `base`.
    public init(base: any EventStore & DeliveryStore, ackSources: Set<String>) {
        self.base = base
        self.ackSources = ackSources
    }

    /// Appends `batch` and queues the acknowledgements of its `ackSources` events, in one transaction.
    public func append(_ batch: [IncomingEvent]) throws -> [AppendOutcome] {
        try base.append(batch, outboxFor: ackSources)
    }

    /// Forwards to the engine.
    public func events(orgID: String, afterSeq: Int64, limit: Int) throws -> [StoredEvent] {
        try base.events(orgID: orgID, afterSeq: afterSeq, limit: limit)
    }

    /// Forwards to the engine.
    public func latestSeq(orgID: String) throws -> Int64 {
        try base.latestSeq(orgID: orgID)
    }

    /// Forwards to the engine.
    public func ping() throws {
        try base.ping()
    }

    /// The engine's name.
    public var engine: String { base.engine }

    /// Forwards to the engine.
    public func deleteEvents(receivedBeforeMillis: Int64, batchSize: Int) throws -> Int {
        try base.deleteEvents(receivedBeforeMillis: receivedBeforeMillis, batchSize: batchSize)
    }

    /// Forwards to the engine.
    public func latestEntities(orgID: String, orderID: String) throws -> [StoredEvent] {
        try base.latestEntities(orgID: orgID, orderID: orderID)
    }

    /// Closes the engine.
    public func close() {
        base.close()
    }
}

// The native order event: what a validated webhook body says happened.

/// What kind of entity an event is about.
public enum EntityType: String, Sendable, CaseIterable {
    /// A whole order; pushed as `order_update`.
    case order
    /// One line of an order; pushed as `order_item_update`.
    case orderItem = "order_item"

    /// The `type` of the message pushed to browsers.
    public var messageType: String {
        switch self {
        case .order: "order_update"
        case .orderItem: "order_item_update"
        }
    }
}

/// What happened to the entity.
public enum OrderAction: String, Sendable, CaseIterable {
    case created
    case updated
    case deleted
    case statusChanged = "status_changed"
}

/// A webhook body that passed schema validation.
public struct OrderEvent: Sendable, Equatable {
    public var entityType: EntityType
    public var action: OrderAction
    public var orgID: String
    public var orderID: String
    /// Present exactly when `entityType` is `.orderItem`.
    public var itemID: String?
    /// Increases per entity; events without one are never stale.
    public var version: Int64?
    /// RFC 3339, as the source sent it.
    public var occurredAt: String?
    /// The `data` object re-encoded as compact JSON text (keys sorted).
    public var dataJSON: String

    public init(
        entityType: EntityType,
        action: OrderAction,
        orgID: String,
        orderID: String,
        itemID: String?,
        version: Int64?,
        occurredAt: String?,
        dataJSON: String
    ) {
        self.entityType = entityType
        self.action = action
        self.orgID = orgID
        self.orderID = orderID
        self.itemID = itemID
        self.version = version
        self.occurredAt = occurredAt
        self.dataJSON = dataJSON
    }
}

/// An accepted webhook on its way into the store.
public struct IncomingEvent: Sendable, Equatable {
    /// UUID chosen at ingest; kept if the event is new.
    public var eventID: String
    public var sourceID: String
    public var webhookID: String
    /// Milliseconds since the Unix epoch.
    public var receivedAtMillis: Int64
    public var event: OrderEvent

    public init(eventID: String, sourceID: String, webhookID: String, receivedAtMillis: Int64, event: OrderEvent) {
        self.eventID = eventID
        self.sourceID = sourceID
        self.webhookID = webhookID
        self.receivedAtMillis = receivedAtMillis
        self.event = event
    }
}

/// An event as stored, with its place in its organisation's sequence.
public struct StoredEvent: Sendable, Equatable {
    public var eventID: String
    public var sourceID: String
    public var webhookID: String
    /// Position in the organisation's gap-free sequence; nil for events that were not pushed.
    public var seq: Int64?
    public var receivedAtMillis: Int64
    public var event: OrderEvent

    public init(
        eventID: String,
        sourceID: String,
        webhookID: String,
        seq: Int64?,
        receivedAtMillis: Int64,
        event: OrderEvent
    ) {
        self.eventID = eventID
        self.sourceID = sourceID
        self.webhookID = webhookID
        self.seq = seq
        self.receivedAtMillis = receivedAtMillis
        self.event = event
    }
}

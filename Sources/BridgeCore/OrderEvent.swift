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
    /// Whether the event is about a whole order or one of its items.
    public var entityType: EntityType
    /// What happened to the entity.
    public var action: OrderAction
    /// The organisation that owns the order; every room and sequence is scoped to it.
    public var orgID: String
    /// The order the event is about, or the order that holds the item.
    public var orderID: String
    /// Present exactly when `entityType` is `.orderItem`.
    public var itemID: String?
    /// Increases per entity; events without one are never stale.
    public var version: Int64?
    /// RFC 3339, as the source sent it.
    public var occurredAt: String?
    /// The `data` object re-encoded as compact JSON text (keys sorted).
    public var dataJSON: String

    /// Creates an event from fields that have already been validated; it checks nothing itself.
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
    /// The configured webhook source it arrived through, from the `/webhooks/<source>` path.
    public var sourceID: String
    /// The sender's `webhook-id` header; with `sourceID`, the key that detects redelivery.
    public var webhookID: String
    /// Milliseconds since the Unix epoch.
    public var receivedAtMillis: Int64
    /// The validated body.
    public var event: OrderEvent

    /// Creates an event to append; `eventID` is used only if the store finds no earlier delivery.
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
    /// The id assigned at ingest when this event was stored.
    public var eventID: String
    /// The configured webhook source it arrived through.
    public var sourceID: String
    /// The sender's `webhook-id` header.
    public var webhookID: String
    /// Position in the organisation's gap-free sequence; nil for events that were not pushed.
    public var seq: Int64?
    /// When the bridge received it, in milliseconds since the Unix epoch.
    public var receivedAtMillis: Int64
    /// The validated body.
    public var event: OrderEvent

    /// Creates a stored event, as read back from or assigned by a store.
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

    /// `incoming` as a store reports it once stored at `seq` (nil when it was not pushed).
    public init(_ incoming: IncomingEvent, seq: Int64?) {
        self.init(
            eventID: incoming.eventID,
            sourceID: incoming.sourceID,
            webhookID: incoming.webhookID,
            seq: seq,
            receivedAtMillis: incoming.receivedAtMillis,
            event: incoming.event
        )
    }
}

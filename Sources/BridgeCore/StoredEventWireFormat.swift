// How a committed event travels between bridge instances: compact JSON, read back strictly.

import Foundation

/// Encodes a `StoredEvent` for the broker and decodes what the broker delivers.
///
/// A message from the broker is input like any other: whoever can publish to the broker can send
/// anything. The decoder accepts only what `encode` writes: every required field present with
/// its type, identifiers and enums valid, a positive `seq`, no unknown field, bounded size and
/// depth. A refused message costs nothing but a back-fill from the database.
public enum StoredEventWireFormat {
    /// The format's version, written as `v`; a receiver refuses any other.
    public static let version: Int64 = 1

    /// The longest `webhookId` carried, in bytes; the HTTP edge bounds headers well below it.
    public static let maxWebhookIDBytes = 4096

    /// Every member the format knows.
    static let knownKeys: Set<String> = [
        "v", "eventId", "sourceId", "webhookId", "seq", "receivedAt", "entityType", "action",
        "orgId", "orderId", "itemId", "version", "occurredAt", "data",
    ]

    /// The event as one compact JSON object. Optional fields that are nil are left out.
    public static func encode(_ stored: StoredEvent) -> [UInt8] {
        let event = stored.event
        return JSONText.object(capacity: 320 + event.dataJSON.utf8.count) { json in
            json.field("v", version)
            json.field("eventId", stored.eventID)
            json.field("sourceId", stored.sourceID)
            json.field("webhookId", stored.webhookID)
            json.field("seq", stored.seq)
            json.field("receivedAt", stored.receivedAtMillis)
            json.field("entityType", event.entityType.rawValue)
            json.field("action", event.action.rawValue)
            json.field("orgId", event.orgID)
            json.field("orderId", event.orderID)
            if let itemID = event.itemID { json.field("itemId", itemID) }
            if let version = event.version { json.field("version", version) }
            if let occurredAt = event.occurredAt { json.field("occurredAt", occurredAt) }
            json.key("data")
            json.raw(event.dataJSON)
        }
    }

    /// Reads one message; refuses anything `encode` would not have written.
    ///
    /// - Parameter maxBytes: the largest message accepted, checked before any parsing.
    public static func decode(_ bytes: [UInt8], maxBytes: Int) throws(WireFormatError) -> StoredEvent {
        let members = try WireFormatEnvelope.members(
            of: bytes,
            maxBytes: maxBytes,
            depth: JSONNesting.maxDepth,
            knownKeys: knownKeys,
            version: version
        )
        let entityType = try enumeration(EntityType.self, members, "entityType")
        let event = OrderEvent(
            entityType: entityType,
            action: try enumeration(OrderAction.self, members, "action"),
            orgID: try identifier(members, "orgId"),
            orderID: try identifier(members, "orderId"),
            itemID: try itemID(members, entityType: entityType),
            version: try optionalCount(members, "version", minimum: 0),
            occurredAt: try occurredAt(members),
            dataJSON: try data(members)
        )
        return StoredEvent(
            eventID: try identifier(members, "eventId"),
            sourceID: try identifier(members, "sourceId"),
            webhookID: try webhookID(members),
            seq: try count(members, "seq", minimum: 1),
            receivedAtMillis: try count(members, "receivedAt", minimum: 0),
            event: event
        )
    }

    private static func present(_ members: [String: JSONValue], _ name: String) -> JSONValue? {
        guard let value = members[name], value != .null else { return nil }
        return value
    }

    private static func identifier(
        _ members: [String: JSONValue],
        _ name: String
    ) throws(WireFormatError) -> String {
        guard let text = members[name]?.stringValue, PayloadValidator.isValidIdentifier(text) else {
            throw WireFormatError(field: name, "must be 1–128 characters of [A-Za-z0-9_.:-]")
        }
        return text
    }

    private static func enumeration<Value: RawRepresentable<String>>(
        _ type: Value.Type,
        _ members: [String: JSONValue],
        _ name: String
    ) throws(WireFormatError) -> Value {
        guard let text = members[name]?.stringValue, let value = Value(rawValue: text) else {
            throw WireFormatError(field: name, "is not a known value")
        }
        return value
    }

    private static func count(
        _ members: [String: JSONValue],
        _ name: String,
        minimum: Int64
    ) throws(WireFormatError) -> Int64 {
        guard case .integer(let number)? = members[name], number >= minimum else {
            throw WireFormatError(field: name, "must be an integer of at least \(minimum)")
        }
        return number
    }

    private static func optionalCount(
        _ members: [String: JSONValue],
        _ name: String,
        minimum: Int64
    ) throws(WireFormatError) -> Int64? {
        guard present(members, name) != nil else { return nil }
        return try count(members, name, minimum: minimum)
    }

    private static func itemID(
        _ members: [String: JSONValue],
        entityType: EntityType
    ) throws(WireFormatError) -> String? {
        switch entityType {
        case .order:
            guard present(members, "itemId") == nil else {
                throw WireFormatError(field: "itemId", "is only allowed on order_item events")
            }
            return nil
        case .orderItem:
            return try identifier(members, "itemId")
        }
    }

    private static func occurredAt(_ members: [String: JSONValue]) throws(WireFormatError) -> String? {
        guard let value = present(members, "occurredAt") else { return nil }
        guard let text = value.stringValue, RFC3339.isValid(text) else {
            throw WireFormatError(field: "occurredAt", "must be an RFC 3339 date-time")
        }
        return text
    }

    private static func webhookID(_ members: [String: JSONValue]) throws(WireFormatError) -> String {
        guard let text = members["webhookId"]?.stringValue, text.utf8.count <= maxWebhookIDBytes else {
            throw WireFormatError(field: "webhookId", "must be a string of at most \(maxWebhookIDBytes) bytes")
        }
        return text
    }

    private static func data(_ members: [String: JSONValue]) throws(WireFormatError) -> String {
        // Re-encoded the way ingest stores it, so the text pushed to browsers is the same
        // whichever instance the event came through.
        guard case .object? = members["data"], let value = members["data"], let text = value.compactJSON else {
            throw WireFormatError(field: "data", "must be a JSON object")
        }
        return text
    }
}

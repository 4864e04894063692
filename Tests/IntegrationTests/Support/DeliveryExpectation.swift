// Checks that a pushed WebSocket message carries exactly what the webhook said.

import BridgeCore
import Foundation
import Testing

/// Compares a received `order_update` / `order_item_update` with the payload and the 202 answer.
enum DeliveryExpectation {
    /// Records an expectation failure for every field of `message` that does not match `payload`,
    /// `accepted` and `room`.
    static func expect(
        _ message: JSONValue,
        delivers payload: NativePayload,
        accepted: AcceptedWebhook,
        room: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let isItem = value(payload, "entityType")?.stringValue == "order_item"
        let fields = message.objectValue ?? [:]
        #expect(
            fields["type"]?.stringValue == (isItem ? "order_item_update" : "order_update"),
            "type in \(message)",
            sourceLocation: sourceLocation
        )
        #expect(fields["eventId"]?.stringValue == accepted.eventID, "eventId", sourceLocation: sourceLocation)
        #expect(fields["seq"]?.integerValue == accepted.seq, "seq", sourceLocation: sourceLocation)
        #expect(accepted.seq != nil, "202 answer has a seq", sourceLocation: sourceLocation)
        #expect(fields["room"]?.stringValue == room, "room in \(message)", sourceLocation: sourceLocation)
        for name in ["orgId", "orderId", "action", "occurredAt", "data"] {
            #expect(fields[name] == value(payload, name), "\(name) in \(message)", sourceLocation: sourceLocation)
        }
        if isItem {
            #expect(fields["itemId"] == value(payload, "itemId"), "itemId", sourceLocation: sourceLocation)
        } else {
            #expect(fields["itemId"] == nil || fields["itemId"] == .null, "itemId", sourceLocation: sourceLocation)
        }
        let version = value(payload, "version") ?? .null
        #expect((fields["version"] ?? .null) == version, "version in \(message)", sourceLocation: sourceLocation)
        #expect(
            fields["receivedAt"] != nil && fields["receivedAt"] != .null,
            "receivedAt in \(message)",
            sourceLocation: sourceLocation
        )
    }

    /// Member `name` of `payload` decoded to a `JSONValue`.
    static func value(_ payload: NativePayload, _ name: String) -> JSONValue? {
        guard let json = payload.json(name) else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
    }
}

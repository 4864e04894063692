// Builders for the events the store tests append.

import BridgeCore
import Foundation

/// Short ways to make `IncomingEvent`s; every argument has a plain default.
enum EventFixture {
    /// An event about `order`, or about its `item` when one is given.
    static func incoming(
        org: String = "org-a",
        order: String = "order-1",
        item: String? = nil,
        action: OrderAction = .updated,
        version: Int64? = nil,
        data: String = #"{"status":"paid"}"#,
        source: String = "shop",
        webhook: String = UUID().uuidString,
        eventID: String = UUID().uuidString,
        receivedAt: Int64 = 1_000,
        occurredAt: String? = "2024-05-01T10:00:00Z"
    ) -> IncomingEvent {
        IncomingEvent(
            eventID: eventID,
            sourceID: source,
            webhookID: webhook,
            receivedAtMillis: receivedAt,
            event: OrderEvent(
                entityType: item == nil ? .order : .orderItem,
                action: action,
                orgID: org,
                orderID: order,
                itemID: item,
                version: version,
                occurredAt: occurredAt,
                dataJSON: data
            )
        )
    }
}

extension AppendOutcome {
    /// The `seq` of an accepted event, nil otherwise.
    var acceptedSeq: Int64? {
        if case .accepted(let stored) = self {
            return stored.seq
        }
        return nil
    }
}

// Which acknowledgement each append outcome calls for, and the claim quotas as the stores read them.

import BridgeCore
import Foundation
import Testing

@Suite("Delivery outcomes and claims")
struct DeliveryOutcomeTests {
    static let stored = StoredEvent(
        eventID: "e-1",
        sourceID: "shop",
        webhookID: "wh-1",
        seq: 4,
        receivedAtMillis: 0,
        event: OrderEvent(
            entityType: .order,
            action: .created,
            orgID: "acme",
            orderID: "o-1",
            itemID: nil,
            version: nil,
            occurredAt: nil,
            dataJSON: "{}"
        )
    )

    @Test(
        "Append outcomes map to acknowledgement statuses",
        arguments: [
            (AppendOutcome.accepted(stored), DeliveryOutcome.delivered, "e-1"),
            (.stale(eventID: "e-2"), .stale, "e-2"),
            (.conflict(eventID: "e-3"), .stale, "e-3"),
            (.duplicate(eventID: "e-4", seq: 9), .duplicate, "e-4"),
        ]
    )
    func mapping(outcome: AppendOutcome, expected: DeliveryOutcome, eventID: String) {
        #expect(DeliveryOutcome(outcome) == expected)
        #expect(outcome.eventID == eventID)
        #expect(DeliveryOutcome(outcome).recipientsKnownAtCommit == (expected != .delivered))
    }

    @Test("Quotas become a JSON object of the sources with room left")
    func quotasJSON() throws {
        let request = DeliveryClaimRequest(
            token: "t",
            nowMillis: .max - 5,
            leaseMillis: 60_000,
            unreportedBeforeMillis: 0,
            quotas: ["shop": 3, "pos": 0, "we\"ird": 1],
            limit: 10
        )
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(request.quotasJSON.utf8))
        #expect(decoded == .object(["shop": .integer(3), "we\"ird": .integer(1)]))
        #expect(request.claimedUntilMillis == .max)
    }
}

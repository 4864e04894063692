// The `delivery.ack` message: its body, its stable id, and a signature any Standard Webhooks verifier accepts.

import BridgeCore
import BridgeCrypto
import Foundation
import Testing

@Suite("Delivery acknowledgement message")
struct DeliveryAckMessageTests {
    static func delivery(outcome: DeliveryOutcome = .delivered, recipients: Int64? = 3) -> Delivery {
        Delivery(
            id: Delivery.id(eventID: "5b1c8d1e-6a8e-4c2b-9f3e-1d2c3b4a5f60", outcome: outcome),
            eventID: "5b1c8d1e-6a8e-4c2b-9f3e-1d2c3b4a5f60",
            sourceID: "shop",
            webhookID: "msg_2kFz\"\n",
            orgID: "acme",
            outcome: outcome,
            status: .pending,
            recipients: recipients,
            attempts: 0,
            nextAttemptAtMillis: 0,
            lastHTTPStatus: nil,
            lastError: nil,
            deliveredAtMillis: 1_764_757_530_250,
            createdAtMillis: 1_764_757_530_000,
            updatedAtMillis: 1_764_757_530_000
        )
    }

    @Test("The body carries exactly the specified fields")
    func bodyFields() throws {
        let body = DeliveryAck.body(for: Self.delivery())
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(body))
        let object = try #require(decoded.objectValue)
        #expect(Set(object.keys) == ["type", "webhookId", "eventId", "status", "recipients", "deliveredAt"])
        #expect(object["type"] == .string("delivery.ack"))
        #expect(object["webhookId"] == .string("msg_2kFz\"\n"))
        #expect(object["eventId"] == .string("5b1c8d1e-6a8e-4c2b-9f3e-1d2c3b4a5f60"))
        #expect(object["status"] == .string("delivered"))
        #expect(object["recipients"] == .integer(3))
        #expect(object["deliveredAt"] == .string("2025-12-03T10:25:30.250Z"))
    }

    @Test("An unreported count is sent as 0", arguments: DeliveryOutcome.allCases)
    func unreportedCountIsZero(outcome: DeliveryOutcome) throws {
        let body = DeliveryAck.body(for: Self.delivery(outcome: outcome, recipients: nil))
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(body))
        #expect(decoded.objectValue?["recipients"] == .integer(0))
        #expect(decoded.objectValue?["status"] == .string(outcome.rawValue))
    }

    @Test("Ids are stable per event and outcome and valid webhook ids")
    func idsAreStable() {
        let first = Delivery.id(eventID: "e-1", outcome: .delivered)
        #expect(first == Delivery.id(eventID: "e-1", outcome: .delivered))
        #expect(first != Delivery.id(eventID: "e-1", outcome: .duplicate))
        #expect(!first.contains("."))
    }

    @Test("Headers sign the body with the source's first secret, and the id never changes")
    func headersVerify() throws {
        let crypto = try OpenSSLCrypto()
        let current = WebhookSecret.generate(crypto: crypto)
        let previous = WebhookSecret.generate(crypto: crypto)
        let signer = try StandardWebhookVerifier(secrets: [current, previous], crypto: crypto)
        let onlyCurrent = try StandardWebhookVerifier(secrets: [current], crypto: crypto)
        let onlyPrevious = try StandardWebhookVerifier(secrets: [previous], crypto: crypto)
        let delivery = Self.delivery()
        let body = DeliveryAck.body(for: delivery)

        var seen: [String: String] = [:]
        for now: Int64 in [1_800_000_000, 1_800_000_007] {
            let headers = Dictionary(
                uniqueKeysWithValues: DeliveryAck.headers(for: delivery, body: body, nowSeconds: now, signer: signer)
                    .map { ($0.name, $0.value) }
            )
            #expect(headers["content-type"] == "application/json")
            #expect(headers["webhook-id"] == delivery.id)
            #expect(headers["webhook-timestamp"] == String(now))
            try onlyCurrent.verify(
                id: headers["webhook-id"],
                timestamp: headers["webhook-timestamp"],
                signature: headers["webhook-signature"],
                body: body,
                now: now
            )
            #expect(throws: WebhookAuthError.self) {
                try onlyPrevious.verify(
                    id: headers["webhook-id"],
                    timestamp: headers["webhook-timestamp"],
                    signature: headers["webhook-signature"],
                    body: body,
                    now: now
                )
            }
            seen[String(now)] = headers["webhook-signature"]
        }
        #expect(Set(seen.values).count == 2, "a fresh timestamp gives a fresh signature")
    }
}

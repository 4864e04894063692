// Which connections receive an accepted event, in which room, how often, and in what order.

import BridgeCore
import Foundation
import Testing

/// Delivery: stale versions, rooms, organisations, sequence numbers, filters.
@Suite(.serialized)
struct DeliveryTests {
    @Test
    func staleVersionIsAcceptedButNotPushed() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let sender = WebhookSender(port: server.port)
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }
        try client.subscribeConfirmed("org")

        let current = try sender.deliver(.order(order: "ord_stale", version: 5))
        let stale = try sender.deliver(.order(order: "ord_stale", version: 3))
        #expect(current.response.status == 202)
        #expect(current.stale == false)
        #expect(stale.response.status == 202, "\(stale.response.summary)")
        #expect(stale.stale, "second answer lacks stale:true: \(stale.response.summary)")
        #expect(stale.eventID != current.eventID)

        let first = try client.receiveJSON()
        #expect(first["eventId"]?.stringValue == current.eventID)
        #expect(first["version"]?.integerValue == 5)
        let extra = try client.receive(timeout: .milliseconds(500))
        #expect(extra == .timeout, "the stale event was pushed: \(extra)")

        let newer = try sender.deliver(.order(order: "ord_stale", version: 6))
        let next = try client.receiveJSON()
        #expect(next["eventId"]?.stringValue == newer.eventID, "expected version 6 next, got \(next)")
    }

    @Test
    func connectionInBothRoomsReceivesTheEventOnceInTheMostSpecificRoom() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let sender = WebhookSender(port: server.port)
        let both = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "alice"))
        defer { both.close() }
        try both.subscribeConfirmed("org")
        try both.subscribeConfirmed("order:ord_1")
        let orgOnly = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "bob", role: "member"))
        defer { orgOnly.close() }
        try orgOnly.subscribeConfirmed("org")

        let payload = NativePayload.order(order: "ord_1", version: 1)
        let accepted = try sender.deliver(payload)
        DeliveryExpectation.expect(try both.receiveJSON(), delivers: payload, accepted: accepted, room: "order:ord_1")
        DeliveryExpectation.expect(try orgOnly.receiveJSON(), delivers: payload, accepted: accepted, room: "org")

        // The next frame on the doubly subscribed connection must be the next event, not a copy.
        let marker = try sender.deliver(.order(order: "ord_marker"))
        let next = try both.receiveJSON()
        #expect(next["eventId"]?.stringValue == marker.eventID, "expected the marker event, got \(next)")
        #expect(next["room"]?.stringValue == "org")
    }

    @Test
    func subscriberOfAnotherOrderReceivesNothing() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let sender = WebhookSender(port: server.port)
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }
        try client.subscribeConfirmed("order:ord_2")

        _ = try sender.deliver(.order(order: "ord_1"))
        let nothing = try client.receive(timeout: .milliseconds(500))
        #expect(nothing == .timeout, "subscriber of ord_2 got \(nothing)")

        let own = try sender.deliver(.order(order: "ord_2"))
        let next = try client.receiveJSON()
        #expect(next["eventId"]?.stringValue == own.eventID, "expected the ord_2 event first, got \(next)")
        #expect(next["room"]?.stringValue == "order:ord_2")
    }

    @Test
    func anotherOrganisationReceivesNothing() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let sender = WebhookSender(port: server.port)
        let stranger = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "eve", org: "other"))
        defer { stranger.close() }
        try stranger.subscribeConfirmed("org")
        try stranger.subscribeConfirmed("order:ord_1")

        _ = try sender.deliver(.order(org: "acme", order: "ord_1"))
        _ = try sender.deliver(.orderItem(org: "acme", order: "ord_1"))
        let nothing = try stranger.receive(timeout: .milliseconds(500))
        #expect(nothing == .timeout, "a client of org `other` got \(nothing)")

        let own = try sender.deliver(.order(org: "other", order: "ord_1"))
        let next = try stranger.receiveJSON()
        #expect(next["eventId"]?.stringValue == own.eventID, "expected its own org's event first, got \(next)")
        #expect(next["orgId"]?.stringValue == "other")
    }

    @Test
    func orderItemEventReachesOrgAndOrderRoomsWithItsItemID() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let orgClient = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "alice"))
        defer { orgClient.close() }
        try orgClient.subscribeConfirmed("org")
        let orderClient = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "bob"))
        defer { orderClient.close() }
        try orderClient.subscribeConfirmed("order:ord_9")

        let payload = NativePayload.orderItem(order: "ord_9", item: "item_3", action: "created", version: 2)
        let accepted = try WebhookSender(port: server.port).deliver(payload)
        DeliveryExpectation.expect(try orgClient.receiveJSON(), delivers: payload, accepted: accepted, room: "org")
        DeliveryExpectation.expect(
            try orderClient.receiveJSON(),
            delivers: payload,
            accepted: accepted,
            room: "order:ord_9"
        )
    }

    @Test
    func seqIncreasesPerOrganisation() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let sender = WebhookSender(port: server.port)
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }
        try client.subscribeConfirmed("org")

        var answered: [Int64] = []
        for index in 1...4 {
            let accepted = try sender.deliver(.order(order: "ord_seq_\(index)"))
            answered.append(try #require(accepted.seq, "202 without seq"))
        }
        let pushed = try (1...4).map { _ in try client.receiveJSON()["seq"]?.integerValue }
        #expect(pushed == answered.map { Optional($0) }, "pushed \(pushed), answered \(answered)")
        #expect(zip(answered, answered.dropFirst()).allSatisfy { $0 + 1 == $1 }, "not consecutive: \(answered)")

        let other = try sender.deliver(.order(org: "other", order: "ord_seq_1"))
        #expect(other.seq == answered.first, "first seq of org `other` is \(String(describing: other.seq))")

        let late = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "carol"))
        defer { late.close() }
        let subscribed = try late.subscribeConfirmed("org")
        #expect(subscribed["seq"]?.integerValue == answered.last, "subscribed after 4 events: \(subscribed)")
    }

    @Test
    func unsubscribeStopsDelivery() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let sender = WebhookSender(port: server.port)
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }
        try client.subscribeConfirmed("org")
        let before = try sender.deliver(.order(order: "ord_u1"))
        #expect(try client.receiveJSON()["eventId"]?.stringValue == before.eventID)

        try client.sendJSON(["type": "unsubscribe", "room": "org"])
        // An acknowledgement is allowed; a pushed event is not.
        let acknowledgement = try client.receive(timeout: .milliseconds(500))
        if case .text(let text) = acknowledgement {
            #expect(text.contains("unsubscribed"), "unexpected answer to unsubscribe: \(text)")
        }
        _ = try sender.deliver(.order(order: "ord_u2"))
        let nothing = try client.receive(timeout: .milliseconds(500))
        #expect(nothing == .timeout, "delivered after unsubscribe: \(nothing)")

        try client.subscribeConfirmed("org")
        let after = try sender.deliver(.order(order: "ord_u3"))
        #expect(try client.receiveJSON()["eventId"]?.stringValue == after.eventID)
    }

    @Test
    func typesFilterLimitsWhatASubscriptionReceives() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let sender = WebhookSender(port: server.port)
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }
        try client.sendJSON(["type": "subscribe", "room": "org", "types": ["order_item_update"]])
        let reply = try client.receiveJSON()
        #expect(reply["type"]?.stringValue == "subscribed", "\(reply)")

        _ = try sender.deliver(.order(order: "ord_t1"))
        let item = try sender.deliver(.orderItem(order: "ord_t1"))
        let first = try client.receiveJSON()
        #expect(first["eventId"]?.stringValue == item.eventID, "expected only the item event, got \(first)")
        #expect(first["type"]?.stringValue == "order_item_update")
    }

    @Test
    func everySubscriberOfTheOrgReceivesTheSameMessage() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let clients = try (0..<5).map { index in
            let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "user\(index)"))
            try client.subscribeConfirmed("org")
            return client
        }
        defer {
            for client in clients { client.close() }
        }

        let payload = NativePayload.order(order: "ord_fan")
        let accepted = try WebhookSender(port: server.port).deliver(payload)
        let texts = try clients.map { client -> String in
            guard case .text(let text) = try client.receive() else { return "" }
            return text
        }
        #expect(Set(texts).count == 1, "recipients got different frames: \(texts)")
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data((texts.first ?? "").utf8))
        DeliveryExpectation.expect(decoded, delivers: payload, accepted: accepted, room: "org")
    }
}

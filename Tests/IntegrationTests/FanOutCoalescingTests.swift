// WS_WRITE_COALESCE_MS: events in a busy spell wait for the end of the window and go out
// together, in order, and a window that held three makes the next one longer; an event after a
// quiet spell, or any event with the window at 0, goes out at once.

import Foundation
import Testing

@Suite(.serialized)
struct FanOutCoalescingTests {
    /// Runs `body` with a client subscribed to its organisation's room on a bridge whose window is
    /// `window` milliseconds, and a webhook sender to that bridge.
    private static func withSubscriber(window: String, _ body: (TestWebSocket, WebhookSender) throws -> Void) throws {
        let server = try BridgeProcess.start(["WS_WRITE_COALESCE_MS": window])
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }
        try client.subscribeConfirmed("org")
        try body(client, WebhookSender(port: server.port))
    }

    /// Sends an order event and returns when its webhook was accepted.
    private static func send(_ sender: WebhookSender, order: String) throws {
        let accepted = try sender.deliver(NativePayload.order(order: order, action: "created", version: 1))
        #expect(accepted.response.status == 202, "\(order): \(accepted.response.summary)")
    }

    @Test
    func eventsInsideTheWindowWaitForItsEndAndKeepTheirOrder() throws {
        try Self.withSubscriber(window: "1000") { client, sender in
            let start = ContinuousClock.now
            try Self.send(sender, order: "ord_quiet")
            let opening = try client.receiveJSON()
            #expect(opening["orderId"]?.stringValue == "ord_quiet")
            #expect(ContinuousClock.now - start < .milliseconds(700), "the first event after a quiet spell was held")

            // Its flush (after `start`) opened a window of a second: these wait for its end.
            for index in 1...3 { try Self.send(sender, order: "ord_busy_\(index)") }
            var orders: [String?] = []
            for _ in 1...3 { orders.append(try client.receiveJSON()["orderId"]?.stringValue) }
            #expect(orders == ["ord_busy_1", "ord_busy_2", "ord_busy_3"])
            #expect(ContinuousClock.now - start >= .milliseconds(900), "events inside the window went out early")
        }
    }

    @Test
    func aWindowThatHeldThreeEventsMakesTheNextOneLonger() throws {
        // A 600 ms window; after a busy one the next lasts 2.4 s.
        try Self.withSubscriber(window: "600") { client, sender in
            try Self.send(sender, order: "ord_quiet")
            #expect(try client.receiveJSON()["orderId"]?.stringValue == "ord_quiet")
            let quietAt = ContinuousClock.now
            for index in 1...3 { try Self.send(sender, order: "ord_busy_\(index)") }
            // All three must fall inside the 600 ms window for it to count as busy.
            try #require(ContinuousClock.now - quietAt < .milliseconds(450), "the machine is too slow for this check")
            var orders: [String?] = []
            for _ in 1...3 { orders.append(try client.receiveJSON()["orderId"]?.stringValue) }
            #expect(orders == ["ord_busy_1", "ord_busy_2", "ord_busy_3"])

            // The three went out when the window ended; the next event waits for the longer one.
            let flushed = ContinuousClock.now
            try Self.send(sender, order: "ord_after")
            #expect(try client.receiveJSON()["orderId"]?.stringValue == "ord_after")
            #expect(ContinuousClock.now - flushed >= .milliseconds(1_000), "the window after a busy one was not longer")
        }
    }

    @Test
    func aZeroWindowWritesEveryEventAtOnce() throws {
        try Self.withSubscriber(window: "0") { client, sender in
            for index in 1...4 {
                let sent = ContinuousClock.now
                try Self.send(sender, order: "ord_now_\(index)")
                #expect(try client.receiveJSON()["orderId"]?.stringValue == "ord_now_\(index)")
                #expect(ContinuousClock.now - sent < .milliseconds(700), "event \(index) was held")
            }
        }
    }
}

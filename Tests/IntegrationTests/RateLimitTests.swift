// The per-connection and per-user message budget: `rate_limited` over it, 1008 for sustained
// abuse, no refill by reconnecting, and messages passing again once the window has refilled.

import BridgeCore
import Foundation
import Testing

extension HardeningTests {
    /// `WS_RATE_LIMIT_MESSAGES` per `WS_RATE_LIMIT_WINDOW_MS`, here 5 per 2 s.
    @Suite
    struct RateLimitTests {
        /// The budget the server runs with.
        static let budget = 5
        /// The window, in seconds; the budget refills at `budget / window` messages per second.
        static let windowSeconds = 2.0

        @Test
        func budgetIsEnforcedPerUserAcrossReconnectsAndRefills() throws {
            let server = try BridgeProcess.start([
                "WS_RATE_LIMIT_MESSAGES": String(Self.budget),
                "WS_RATE_LIMIT_WINDOW_MS": String(Int(Self.windowSeconds * 1000)),
            ])
            defer { server.stop() }
            let before = try server.rejectionCounters()
            let token = TestJWT.make(sub: "chatty")
            let first = try TestWebSocket.connect(port: server.port, token: token)
            defer { first.close() }

            for index in 1...Self.budget {
                #expect(try first.pingPong(), "message \(index) of the budget was not answered")
            }
            try first.sendJSON(["type": "ping"])
            try expectRateLimited(first, "the first message over the budget")

            // Sustained abuse: the budget's worth of refused messages inside one window closes the
            // connection, and everything before the last is answered `rate_limited`.
            for _ in 1..<Self.budget {
                try first.sendJSON(["type": "ping"])
            }
            for index in 2..<Self.budget {
                try expectRateLimited(first, "refused message \(index)")
            }
            let ending = try first.receiveClose(timeout: .seconds(5))
            #expect(ending.closeCode == 1008, "sustained abuse ended with \(ending)")

            let quiet = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "quiet"))
            defer { quiet.close() }
            #expect(try quiet.pingPong(), "another user was throttled by chatty's budget")

            let second = try TestWebSocket.connect(port: server.port, token: token)
            defer { second.close() }
            try second.sendJSON(["type": "ping"])
            try expectRateLimited(second, "the first message after reconnecting")

            Thread.sleep(forTimeInterval: Self.windowSeconds + 0.3)
            for index in 1...Self.budget {
                #expect(try second.pingPong(), "message \(index) after the window refilled was not answered")
            }
            try server.rejectionCounters().expectChanges(
                since: before,
                // All but the closing one of the first connection's refusals, and the reconnect's.
                ["rateLimited": Int64(Self.budget - 1) + 1, "rateLimitCloses": 1]
            )
        }

        private func expectRateLimited(
            _ client: TestWebSocket,
            _ what: String,
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            let reply = try client.receiveJSON()
            #expect(
                reply["type"]?.stringValue == "error" && reply["code"]?.stringValue == "rate_limited",
                "\(what): \(reply)",
                sourceLocation: sourceLocation
            )
        }
    }
}

// Authentication at the WebSocket edge: token in the query, first-message auth, and every refusal.

import BridgeCore
import Foundation
import Testing

/// Token and first-message authentication of WebSocket connections.
@Suite(.serialized)
struct WebSocketAuthTests {
    @Test(arguments: TokenCase.allCases)
    func badTokenInTheQueryIsRefusedWith401(_ tokenCase: TokenCase) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let token = tokenCase.token()
        let upgrade = try TestWebSocket.handshake(port: server.port, options: .init(token: token))

        guard case .refused(let response) = upgrade else {
            Issue.record("\(tokenCase) was upgraded")
            return
        }
        #expect(response.status == 401, "\(response.summary)")
        #expect(!server.log.contains(token), "the refused token appears in the log")
        try server.expectHealthy()
    }

    @Test
    func validTokenInTheQueryIsUpgraded() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make(role: "member"))
        defer { client.close() }
        try client.subscribeConfirmed("org")
    }

    @Test
    func firstMessageAuthenticationOpensTheConnection() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let token = TestJWT.make()
        let client = try TestWebSocket.connect(port: server.port)
        defer { client.close() }

        try client.sendJSON(["type": "auth", "token": token])
        try client.subscribe("org")
        let subscribed = try client.receiveJSON(type: "subscribed", skipping: ["auth_ok", "authenticated"])
        #expect(subscribed["room"]?.stringValue == "org")

        let payload = NativePayload.order(order: "ord_first_message")
        let accepted = try WebhookSender(port: server.port).deliver(payload)
        DeliveryExpectation.expect(try client.receiveJSON(), delivers: payload, accepted: accepted, room: "org")
        #expect(!server.log.contains(token), "the token appears in the server log")
        #expect(!server.log.contains(TestJWT.secret), "the JWT secret appears in the server log")
        #expect(!server.log.contains(WebhookSender.secret), "the webhook secret appears in the server log")
    }

    @Test(arguments: [
        TokenCase.expired, .algorithmNone, .algorithmHS512, .signedWithAnotherSecret, .missingOrg, .garbage,
    ])
    func badFirstMessageTokenClosesWith4001(_ tokenCase: TokenCase) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port)
        defer { client.close() }

        try client.sendJSON(["type": "auth", "token": tokenCase.token()])
        let ending = try client.receiveClose(timeout: .seconds(5))
        #expect(ending == .close(code: 4001, reason: closeReason(ending)), "\(tokenCase): \(ending)")
        try server.expectHealthy()
    }

    @Test
    func unauthenticatedConnectionGetsNoEvents() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port)
        defer { client.close() }

        try client.subscribe("org")
        _ = try WebhookSender(port: server.port).deliver(.order())
        for _ in 0..<3 {
            let message = try client.receive(timeout: .milliseconds(500))
            if case .text(let text) = message {
                #expect(!text.contains("order_update"), "an unauthenticated connection got \(text)")
            }
            if message == .timeout { break }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func connectionThatNeverAuthenticatesIsClosedAfterTenSeconds() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port)
        defer { client.close() }

        let early = try client.receive(timeout: .seconds(3))
        #expect(early == .timeout, "closed or sent something before the auth deadline: \(early)")
        let ending = try client.receiveClose(timeout: .seconds(10))
        guard case .close = ending else {
            Issue.record("no close frame after the auth deadline: \(ending)")
            return
        }
    }

    private func closeReason(_ message: TestWebSocket.Message) -> String {
        if case .close(_, let reason) = message { return reason }
        return ""
    }
}

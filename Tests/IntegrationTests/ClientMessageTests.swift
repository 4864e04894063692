// What the bridge answers to each client message, including the ones it does not understand.

import BridgeCore
import Foundation
import Testing

/// Client messages: ping, bad messages, subscriptions, clean close.
@Suite(.serialized)
struct ClientMessageTests {
    @Test
    func pingIsAnsweredWithPong() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }

        try client.sendJSON(["type": "ping"])
        let reply = try client.receiveJSON()
        #expect(reply["type"]?.stringValue == "pong", "\(reply)")
    }

    @Test(arguments: [
        ("unknown type", #"{"type":"dance"}"#),
        ("not JSON", "hello"),
        ("truncated JSON", #"{"type":"ping""#),
        ("JSON array", #"[{"type":"ping"}]"#),
        ("JSON number", "42"),
        ("type not a string", #"{"type":7}"#),
        ("no type", #"{"room":"org"}"#),
        ("empty object", "{}"),
        ("empty text", ""),
        ("type in capitals", #"{"type":"PING"}"#),
    ])
    func messageItDoesNotUnderstandGetsBadMessageAndTheConnectionStays(_ name: String, _ text: String) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }

        try client.send(text: text)
        let reply = try client.receiveJSON()
        #expect(reply["type"]?.stringValue == "error", "\(name): \(reply)")
        #expect(reply["code"]?.stringValue == "bad_message", "\(name): \(reply)")
        #expect(reply["message"]?.stringValue?.isEmpty == false, "\(name): error without a message: \(reply)")
        #expect(try client.pingPong(), "\(name): no pong after the error")
    }

    @Test
    func subscriptionsSurviveABadMessage() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }
        try client.subscribeConfirmed("org")

        try client.send(text: "not json")
        #expect(try client.receiveJSON()["code"]?.stringValue == "bad_message")
        let accepted = try WebhookSender(port: server.port).deliver(.order())
        #expect(try client.receiveJSON()["eventId"]?.stringValue == accepted.eventID)
    }

    @Test
    func userRoomCanBeSubscribed() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }
        let reply = try client.subscribeConfirmed("user")
        #expect(reply["seq"] != nil, "\(reply)")
    }

    @Test
    func cleanCloseIsAnsweredWithAClose() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        let reply = client.close(code: 1000)
        #expect(reply == .close(code: 1000, reason: closeReason(reply)), "\(reply)")
        try server.expectHealthy()
    }

    private func closeReason(_ message: TestWebSocket.Message) -> String {
        if case .close(_, let reason) = message { return reason }
        return ""
    }
}

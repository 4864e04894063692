// What the store keeps across a restart of the server: sequence numbers and seen webhook ids.

import BridgeCore
import Foundation
import Testing

/// State that must survive a restart or a crash of the server.
@Suite(.serialized)
struct PersistenceTests {
    @Test
    func sequenceContinuesAfterARestart() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let sender = WebhookSender(port: server.port)
        let before = try sender.deliver(.order(order: "ord_p1"))
        let last = try #require(before.seq)

        try server.restart()
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }
        let subscribed = try client.subscribeConfirmed("org")
        #expect(subscribed["seq"]?.integerValue == last, "subscribed after restart: \(subscribed)")

        let after = try sender.deliver(.order(order: "ord_p2"))
        #expect(after.seq == last + 1, "seq after restart: \(String(describing: after.seq)), before: \(last)")
        #expect(try client.receiveJSON()["eventId"]?.stringValue == after.eventID)
    }

    @Test
    func duplicateIsRecognisedAfterARestart() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let sender = WebhookSender(port: server.port)
        let headers = WebhookSender.Headers()
        let first = try sender.deliver(.order(order: "ord_p3"), headers: headers)

        try server.restart()
        let again = try sender.deliver(.order(order: "ord_p3"), headers: headers)
        #expect(again.response.status == 200, "\(again.response.summary)")
        #expect(again.duplicate)
        #expect(again.eventID == first.eventID)
        #expect(again.seq == first.seq)
    }

    @Test
    func versionsAreRememberedAfterARestart() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let sender = WebhookSender(port: server.port)
        _ = try sender.deliver(.order(order: "ord_p4", version: 9))

        server.kill()
        try server.restart()
        let stale = try sender.deliver(.order(order: "ord_p4", version: 4))
        #expect(stale.stale, "version 4 after 9 survived a crash as current: \(stale.response.summary)")
    }
}

// Acceptance 1 of the end-to-end issue: `bridge token` and `bridge send` deliver an order update to
// a WebSocket client subscribed to `org`, all through the real binary over loopback.

import BridgeCore
import Foundation
import Testing

/// The real binary end to end: command line, health, start-up log.
@Suite(.serialized)
struct EndToEndTests {
    @Test
    func tokenAndSendFromTheCommandLineDeliverAnOrderUpdate() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }

        let token = try server.runCLI(["token", "--sub", "alice", "--org", "acme", "--role", "admin"])
        #expect(token.status == 0, "bridge token failed: \(token.stderr)")
        let jwt = token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(jwt.split(separator: ".", omittingEmptySubsequences: false).count == 3, "not a JWT: \(jwt)")

        let client = try TestWebSocket.connect(port: server.port, token: jwt)
        defer { client.close() }
        let subscribed = try client.subscribeConfirmed("org")
        #expect(subscribed["seq"]?.integerValue != nil, "subscribed carries an integer seq: \(subscribed)")

        let payload = NativePayload.order(order: "ord_e2e", action: "created", version: 1)
        let file = server.directory.appendingPathComponent("order-created.json")
        try Data(payload.body.utf8).write(to: file)
        let send = try server.runCLI([
            "send", "--source", "shop", "--file", file.path, "--url", "http://127.0.0.1:\(server.port)/webhooks/shop",
        ])
        #expect(send.status == 0, "bridge send failed: \(send.stdout) \(send.stderr)")

        let message = try client.receiveJSON()
        #expect(message["type"]?.stringValue == "order_update")
        #expect(message["room"]?.stringValue == "org")
        #expect(message["orderId"]?.stringValue == "ord_e2e")
        #expect(message["orgId"]?.stringValue == "acme")
        #expect(message["action"]?.stringValue == "created")
        #expect(message["version"]?.integerValue == 1)
        #expect(message["data"] == DeliveryExpectation.value(payload, "data"))
        #expect(message["eventId"]?.stringValue?.isEmpty == false)
        #expect(message["seq"]?.integerValue.map { $0 > (subscribed["seq"]?.integerValue ?? 0) } == true)
        #expect(!server.log.contains(jwt), "the token appears in the server log")
    }

    @Test
    func sentWebhookAndPushedMessageAgreeOnEveryField() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }
        try client.subscribeConfirmed("org")

        let payload = NativePayload.order(order: "ord_fields", action: "status_changed", version: 42)
        let accepted = try WebhookSender(port: server.port).deliver(payload)
        #expect(accepted.response.status == 202)
        #expect(accepted.duplicate == false)

        DeliveryExpectation.expect(try client.receiveJSON(), delivers: payload, accepted: accepted, room: "org")
    }

    @Test
    func helpExplainsTheCommands() throws {
        let help = try CLIResult.run(
            ["--help"],
            environment: ["PATH": "/usr/bin:/bin"],
            in: FileManager.default.temporaryDirectory
        )
        #expect(help.status == 0)
        for command in ["serve", "token", "send"] {
            #expect((help.stdout + help.stderr).contains(command), "--help does not mention \(command)")
        }
    }

    @Test
    func sendToAPortWhereNothingListensSaysSo() throws {
        let directory = FileManager.default.temporaryDirectory
        let file = directory.appendingPathComponent("send-nowhere-\(UUID().uuidString).json")
        try Data(NativePayload.order().body.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let port = try LoopbackSocket.freePort()
        let send = try CLIResult.run(
            ["send", "--source", "shop", "--file", file.path, "--url", "http://127.0.0.1:\(port)/webhooks/shop"],
            environment: [
                "PATH": "/usr/bin:/bin", "WEBHOOK_SOURCES": "shop", "WEBHOOK_SECRET_SHOP": WebhookSender.secret,
            ],
            in: directory
        )
        #expect(send.status == 1)
        #expect(
            send.stderr.contains("cannot reach http://127.0.0.1:\(port)/webhooks/shop: connection refused"),
            "\(send.stderr)"
        )
    }

    @Test
    func healthAnswersWithTheStoreState() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let health = try TestHTTPClient(port: server.port).get("/api/health")
        #expect(health.status == 200)
        #expect(health.json?.objectValue != nil, "health body is a JSON object: \(health.summary)")
    }

    @Test
    func startUpLogNamesTheAddress() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        #expect(server.log.contains(String(server.port)), "no start-up line naming the port:\n\(server.logTail())")
    }
}

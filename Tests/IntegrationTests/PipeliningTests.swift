// Requests sent behind a webhook before its answer: HTTP/1.1 pipelining, wanted or not.

import Foundation
import Testing

/// The bridge answers the first request of a pipelined run and closes the connection; the
/// client sends the rest again on a new one. The loop never serves a pipelined run itself.
@Suite(.serialized)
struct PipeliningTests {
    @Test
    func pipelinedWebhooksGetOneAnswerThenTheConnectionCloses() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let first = SignedWebhook(.order(order: "pipelined_1"))
        let second = SignedWebhook(.order(order: "pipelined_2"))
        let socket = try LoopbackSocket.connect(port: server.port)
        defer { socket.close() }
        let deadline = ContinuousClock.now + .seconds(10)
        try socket.send(Self.request(first) + Self.request(second), until: deadline)

        let received = try socket.receiveToEnd(until: deadline)
        let text = String(decoding: received, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 202"), "\(text.prefix(300))")
        #expect(text.lowercased().contains("connection: close"), "\(text.prefix(300))")
        #expect(text.components(separatedBy: "HTTP/1.1 ").count == 2, "one answer only: \(text)")

        // The request behind it was not taken: sent again, it is new.
        let again = try second.send(to: server.port)
        #expect(again.status == 202, "\(again.summary)")
        #expect(again.json?["duplicate"]?.boolValue == false, "\(again.summary)")
        try server.expectHealthy()
    }

    /// lws 4.1 went round reporting the webhook's body for ever, inside one turn of the loop,
    /// when it came in the same write behind a request without a body: nothing else was served.
    @Test(arguments: ["/api/health/live", "/api/health"])
    func aWebhookBehindABodilessRequestDoesNotStopTheServer(_ first: String) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let webhook = SignedWebhook(.order(order: "behind_\(first.count)"))
        let socket = try LoopbackSocket.connect(port: server.port)
        defer { socket.close() }
        let deadline = ContinuousClock.now + .seconds(10)
        let head = Array("GET \(first) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        try socket.send(head + Self.request(webhook), until: deadline)
        let text = String(decoding: try socket.receiveToEnd(until: deadline), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 "), "\(text.prefix(300))")

        var answered: HTTPResponse?
        for _ in 0..<5 where answered == nil {
            answered = try? TestHTTPClient(port: server.port, timeout: .seconds(2)).get("/api/health/live")
        }
        #expect(answered?.status == 200, "the server still answers: \(answered?.summary ?? "no answer")")
        // Answered or not, the webhook is stored once: sent again, it is new or a duplicate.
        let again = try webhook.send(to: server.port)
        #expect([200, 202].contains(again.status), "\(again.summary)")
        try server.expectHealthy()
    }

    /// lws reports a request without a body complete too; that report is not a pipelined request.
    @Test(arguments: ["/webhooks/shop", "/api/notifications/00000000-0000-4000-8000-000000000000/read"])
    func aPostWithoutABodyLeavesTheConnectionOpen(_ path: String) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let client = TestHTTPClient(port: server.port, keepAlive: true)
        defer { client.disconnect() }
        let answer = try client.request("POST", path, headers: [("Content-Type", "application/json")], body: [])
        #expect((400..<500).contains(answer.status), "\(answer.summary)")
        #expect(answer.header("connection") != "close", "\(answer.summary)")
        let next = try client.get("/api/health/live")
        #expect(next.status == 200, "the next request on the same connection: \(next.summary)")
    }

    /// A client that pipelines thousands of webhooks without reading the answers, then goes
    /// away, once left the loop turning inside lws for good: nothing else was served.
    @Test
    func aPipelinedBurstFromAClientThatLeavesDoesNotStopTheServer() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let body = Array(#"{"a":1}"#.utf8)
        let one =
            Array(
                "POST /webhooks/shop HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
                    .utf8
            ) + body
        let burst = Array([[UInt8]](repeating: one, count: 50_000).joined())
        let socket = try LoopbackSocket.connect(port: server.port, receiveBufferBytes: 4096)
        // The server may close or stop reading long before the burst is out; either is fine.
        try? socket.send(burst, until: ContinuousClock.now + .seconds(5))
        socket.close()

        var answered: HTTPResponse?
        for _ in 0..<10 where answered == nil {
            answered = try? TestHTTPClient(port: server.port, timeout: .seconds(2)).get("/api/health/live")
        }
        #expect(answered?.status == 200, "the server still answers: \(answered?.summary ?? "no answer")")
        try server.expectHealthy()
    }

    /// The bytes of one `POST /webhooks/shop` carrying `webhook`, signed now.
    private static func request(_ webhook: SignedWebhook) -> [UInt8] {
        var head = "POST /webhooks/shop HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in webhook.headers() {
            head += "\(name): \(value)\r\n"
        }
        head += "Content-Length: \(webhook.body.count)\r\n\r\n"
        return Array(head.utf8) + webhook.body
    }
}

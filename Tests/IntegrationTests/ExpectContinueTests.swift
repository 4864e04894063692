// `Expect: 100-continue`: a client that waits before sending its body hears either that it may
// go on, or the final answer when the bridge knows it without the body.

import Foundation
import Testing

@Suite(.serialized)
struct ExpectContinueTests {
    /// The head of a signed webhook's POST in `version`, with `Expect: expectation`.
    private static func head(of webhook: SignedWebhook, version: String, expectation: String) -> String {
        var head = "POST /webhooks/shop \(version)\r\nHost: 127.0.0.1\r\nExpect: \(expectation)\r\n"
        for (name, value) in webhook.headers() { head += "\(name): \(value)\r\n" }
        return head + "Content-Length: \(webhook.body.count)\r\n\r\n"
    }

    @Test(arguments: ["100-continue", "100-Continue \t ", "100-continue\r\nExpect: 100-continue"])
    func aWebhookSenderThatWaitsIsToldToContinue(_ expectation: String) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let webhook = SignedWebhook(.order(order: "expect_continue"))
        let head = Self.head(of: webhook, version: "HTTP/1.1", expectation: expectation)
        let socket = try LoopbackSocket.connect(port: server.port)
        defer { socket.close() }
        let deadline = ContinuousClock.now + .seconds(10)
        try socket.send(Array(head.utf8), until: deadline)

        let interim = String(decoding: try socket.receive(until: deadline), as: UTF8.self)
        #expect(interim.hasPrefix("HTTP/1.1 100 Continue\r\n\r\n"), "\(interim.prefix(200))")
        try socket.send(webhook.body, until: deadline)
        var answer = String(interim.dropFirst("HTTP/1.1 100 Continue\r\n\r\n".count))
        for _ in 0..<10 where !answer.contains(#""duplicate""#) {
            answer += String(decoding: try socket.receive(until: deadline), as: UTF8.self)
        }
        #expect(answer.hasPrefix("HTTP/1.1 202 "), "\(answer.prefix(300))")
        try server.expectHealthy()
    }

    /// HTTP/1.0 has no interim answers: the body comes unasked and the final answer alone goes out.
    @Test
    func anHTTP10ExpectationIsIgnored() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let webhook = SignedWebhook(.order(order: "expect_http10"))
        let head = Self.head(of: webhook, version: "HTTP/1.0", expectation: "100-continue")
        // The body is JSON, so it round-trips through a String unchanged.
        let request = head + String(decoding: webhook.body, as: UTF8.self)
        let answer = try LoopbackSocket.exchange(request, port: server.port)
        #expect(answer.hasPrefix("HTTP/1.0 202 "), "\(answer.prefix(300))")
        #expect(!answer.contains(" 100 "), "\(answer.prefix(300))")
        try server.expectHealthy()
    }

    @Test(arguments: [
        ("/webhooks/nowhere", "Content-Length: 7", 404),
        ("/webhooks/shop", "Content-Length: 50000000", 413),
        ("/api/health", "Content-Length: 7", 405),
    ])
    func anAnswerKnownBeforeTheBodyIsSentAtOnce(_ path: String, _ length: String, _ status: Int) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let head =
            "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Expect: 100-continue\r\n\(length)\r\n\r\n"
        let answer = try LoopbackSocket.exchange(head, port: server.port)
        #expect(answer.hasPrefix("HTTP/1.1 \(status) "), "\(answer.prefix(300))")
        #expect(answer.lowercased().contains("connection: close"), "\(answer.prefix(300))")
        try server.expectHealthy()
    }
}

// Requests that would take the connection away from HTTP/1.1 and WebSocket: lws 4.1 offers an
// HTTP/2 upgrade and a raw tunnel for `CONNECT`; the bridge serves neither and says so.

import Foundation
import Testing

@Suite(.serialized)
struct UnservedProtocolTests {
    /// A plaintext HTTP/2 upgrade would reach handlers without the webhook headers.
    @Test(arguments: ["/api/health/live", "/webhooks/shop"])
    func anUpgradeToHTTP2IsRefusedWith400(_ path: String) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let request =
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
            + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"
        let answer = try LoopbackSocket.exchange(request, port: server.port)
        #expect(answer.hasPrefix("HTTP/1.1 400 "), "\(answer.prefix(300))")
        #expect(answer.contains(#""code":"upgrade_not_supported""#), "\(answer.prefix(300))")
        #expect(answer.lowercased().contains("connection: close"))
        try server.expectHealthy()
    }

    /// lws would turn the connection into a raw socket with no timeout and no answer.
    @Test
    func connectIsRefusedWith405AndClosed() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let answer = try LoopbackSocket.exchange(
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
            port: server.port
        )
        #expect(answer.hasPrefix("HTTP/1.1 405 "), "\(answer.prefix(300))")
        #expect(answer.contains(#""code":"method_not_allowed""#), "\(answer.prefix(300))")
        #expect(answer.lowercased().contains("allow: get, head, post"))
        try server.expectHealthy()
    }
}

extension UnservedProtocolTests {
    /// lws logs one error line for each request with an over-long header; a client sending them
    /// fast must not be able to write the log as fast.
    @Test
    func overLongHeadersCannotFloodTheLog() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let request =
            "GET /api/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: "
            + String(repeating: "a", count: 9000) + "\r\n\r\n"
        let start = ContinuousClock.now
        for _ in 0..<200 {
            _ = try? LoopbackSocket.exchange(request, port: server.port)
        }
        let seconds = (ContinuousClock.now - start).components.seconds
        let lines = server.log.components(separatedBy: "\n").filter { $0.contains(#""libwebsockets error""#) }
        #expect(!lines.isEmpty, "lws reports the over-long header")
        #expect(lines.count <= 20 * (Int(seconds) + 2), "\(lines.count) lines in \(seconds) s")
        try server.expectHealthy()
    }
}

extension UnservedProtocolTests {
    /// lws restarts its timeout with every byte of a body; HTTP_BODY_TIMEOUT_S bounds the whole.
    @Test
    func aBodyTrickledPastTheTimeoutGets408() throws {
        let server = try BridgeProcess.start(["HTTP_BODY_TIMEOUT_S": "2"])
        defer { server.stop() }
        let socket = try LoopbackSocket.connect(port: server.port)
        defer { socket.close() }
        let head =
            "POST /webhooks/shop HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: 1000\r\n\r\n"
        try socket.send(Array(head.utf8), until: .now + .seconds(5))
        let start = ContinuousClock.now
        var received: [UInt8] = []
        // A few bytes every half second, never the whole body; at most 10 s of it.
        for _ in 0..<20 where received.isEmpty {
            try? socket.send(Array(repeating: UInt8(ascii: " "), count: 10), until: .now + .seconds(1))
            if let chunk = try? socket.receive(until: .now + .milliseconds(500)) { received = chunk }
        }
        received += (try? socket.receiveToEnd(until: .now + .seconds(5))) ?? []
        let answer = String(decoding: received, as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 408 "), "\(answer.prefix(300))")
        #expect(answer.contains(#""code":"request_timeout""#), "\(answer.prefix(300))")
        #expect(ContinuousClock.now - start < .seconds(8))
        try server.expectHealthy()
    }
}

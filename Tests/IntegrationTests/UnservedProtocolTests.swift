// Requests that would take the connection away from HTTP/1.1 and WebSocket: lws 4.1 offers an
// HTTP/2 upgrade and a raw tunnel for `CONNECT`; the bridge serves neither and says so.

import Foundation
import Testing

@Suite(.serialized)
struct UnservedProtocolTests {
    /// Sends `request` on a connection of its own and reads until the server closes it.
    private static func exchange(_ request: String, port: UInt16) throws -> String {
        let socket = try LoopbackSocket.connect(port: port)
        defer { socket.close() }
        let deadline = ContinuousClock.now + .seconds(10)
        try socket.send(Array(request.utf8), until: deadline)
        return String(decoding: try socket.receiveToEnd(until: deadline), as: UTF8.self)
    }

    /// A plaintext HTTP/2 upgrade would reach handlers without the webhook headers.
    @Test(arguments: ["/api/health/live", "/webhooks/shop"])
    func anUpgradeToHTTP2IsRefusedWith400(_ path: String) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let request =
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
            + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"
        let answer = try Self.exchange(request, port: server.port)
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
        let answer = try Self.exchange(
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
            _ = try? Self.exchange(request, port: server.port)
        }
        let seconds = (ContinuousClock.now - start).components.seconds
        let lines = server.log.components(separatedBy: "\n").filter { $0.contains(#""libwebsockets error""#) }
        #expect(!lines.isEmpty, "lws reports the over-long header")
        #expect(lines.count <= 20 * (Int(seconds) + 2), "\(lines.count) lines in \(seconds) s")
        try server.expectHealthy()
    }
}

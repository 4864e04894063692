// The Origin allow-list on the upgrade request (hardening issue): exact matches only, 403 otherwise.

import Foundation
import Testing

/// The Origin allow-list on the WebSocket upgrade.
@Suite(.serialized)
struct OriginTests {
    @Test(arguments: [
        "http://localhost:3000.evil.example",
        "http://evil.example/http://localhost:3000",
        "https://localhost:3000",
        "http://localhost:3001",
        "http://localhost",
        "http://LOCALHOST:3000x",
        "null",
        "",
    ])
    func originNotOnTheListIsRefusedWith403(_ origin: String) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        var options = TestWebSocket.Options(token: TestJWT.make())
        options.origin = origin
        let upgrade = try TestWebSocket.handshake(port: server.port, options: options)
        guard case .refused(let response) = upgrade else {
            Issue.record("origin `\(origin)` was upgraded")
            return
        }
        #expect(response.status == 403, "\(response.summary)")
    }

    @Test
    func missingOriginIsRefusedUnlessAllowed() throws {
        var options = TestWebSocket.Options(token: TestJWT.make())
        options.origin = nil

        let strict = try BridgeProcess.start()
        defer { strict.stop() }
        guard case .refused(let response) = try TestWebSocket.handshake(port: strict.port, options: options) else {
            Issue.record("an upgrade without Origin was accepted by default")
            return
        }
        #expect(response.status == 403, "\(response.summary)")

        let lenient = try BridgeProcess.start(["WS_ALLOW_MISSING_ORIGIN": "1"])
        defer { lenient.stop() }
        let client = try TestWebSocket.connect(port: lenient.port, options: options)
        client.close()
    }

    @Test
    func frontendAndReplURLsAreAllowedToo() throws {
        let server = try BridgeProcess.start([
            "FRONTEND_URL": "https://app.example.com",
            "REPL_URL": "http://127.0.0.1:5173",
        ])
        defer { server.stop() }
        for origin in ["https://app.example.com", "http://127.0.0.1:5173", BridgeProcess.allowedOrigin] {
            var options = TestWebSocket.Options(token: TestJWT.make())
            options.origin = origin
            let client = try TestWebSocket.connect(port: server.port, options: options)
            client.close()
        }
    }

    /// RFC 6455 4.4: any version but 13 gets 426 and the version the server speaks.
    @Test(arguments: [Optional("8"), "12", "14", "13, 8", "", nil])
    func upgradeWithAnotherVersionIsRefusedWith426(_ version: String?) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        var options = TestWebSocket.Options(token: TestJWT.make())
        options.version = version
        let upgrade = try TestWebSocket.handshake(port: server.port, options: options)
        guard case .refused(let response) = upgrade else {
            Issue.record("version \(version ?? "(none)") was upgraded")
            return
        }
        #expect(response.status == 426, "\(response.summary)")
        #expect(response.header("sec-websocket-version") == "13")
        #expect(response.json?["error"]?["code"]?.stringValue == "unsupported_websocket_version")
        try server.expectHealthy()
    }
}

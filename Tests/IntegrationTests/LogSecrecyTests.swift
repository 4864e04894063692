// Issue 7, acceptance 4: at the most verbose level, after a run through every path that handles a
// token, a secret or a signature, no line of the bridge's output contains any of them.

import BridgeCore
import Foundation
import Testing

extension OperabilityTests {
    /// What the bridge must never write to its logs.
    @Suite
    struct LogSecrecyTests {
        /// The `STATS_TOKEN` of the server under test.
        static let statsToken = "stats-token-for-the-log-secrecy-test-0123456789"

        @Test
        func noLogLineContainsATokenASecretOrASignature() throws {
            let server = try BridgeProcess.start(["LOG_LEVEL": "trace", "STATS_TOKEN": Self.statsToken])
            defer { server.stop() }
            var secrets = [TestJWT.secret, WebhookSender.secret, String(WebhookSender.secret.dropFirst(6))]
            secrets.append(Self.statsToken)
            secrets += try Self.driveWebSockets(server)
            secrets += try Self.driveWebhooks(server)
            secrets += try Self.driveAPI(server)
            server.stop()

            let log = server.log
            let lines = log.split(separator: "\n")
            #expect(lines.count >= 20, "too little was logged for the check to mean anything:\n\(log)")
            #expect(log.contains("webhook signature rejected"), "the trace run did not log the refusals")
            for secret in secrets {
                for form in Self.writtenForms(secret) {
                    let leaks = lines.filter { $0.contains(form) }
                    #expect(leaks.isEmpty, "a secret (\(secret.prefix(12))…) is logged: \(leaks.prefix(3))")
                }
            }
        }

        /// Tokens that authenticate, fail to, and refresh; returns every token and signature used.
        private static func driveWebSockets(_ server: BridgeProcess) throws -> [String] {
            let good = TestJWT.make(sub: "logged-in")
            let client = try TestWebSocket.connect(port: server.port, token: good)
            defer { client.close() }
            try client.subscribeConfirmed("org")
            try client.subscribeConfirmed("user")
            try client.subscribe("org:other")
            _ = try client.receiveJSON()
            try client.sendJSON(["type": "auth", "token": good])
            _ = try client.receiveJSON(type: "authenticated")

            let forged = TestJWT.make(claims: ["sub": "mallory", "org": "acme", "role": "admin"], secret: "guess")
            let expired = TestJWT.make(sub: "late", ttl: -60)
            for token in [forged, expired] {
                let upgrade = try TestWebSocket.handshake(port: server.port, options: .init(token: token))
                if case .upgraded(let socket) = upgrade {
                    Issue.record("a bad token was accepted in the upgrade")
                    socket.disconnect()
                }
            }
            let latecomer = try TestWebSocket.connect(port: server.port, options: .init())
            defer { latecomer.disconnect() }
            let second = TestJWT.make(sub: "by-message")
            try latecomer.sendJSON(["type": "auth", "token": second])
            _ = try latecomer.receiveJSON(type: "authenticated")
            let refused = try TestWebSocket.connect(port: server.port, options: .init())
            defer { refused.disconnect() }
            try refused.sendJSON(["type": "auth", "token": forged])
            _ = try refused.receiveClose()
            return [good, forged, expired, second].flatMap(Self.tokenParts)
        }

        /// Accepted, duplicate, forged and tampered webhooks; returns every signature sent.
        private static func driveWebhooks(_ server: BridgeProcess) throws -> [String] {
            let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "watcher"))
            defer { client.close() }
            try client.subscribeConfirmed("org")
            var signatures: [String] = []
            let webhook = SignedWebhook(.order(order: "ord_secret"))
            for _ in 0..<2 {
                let headers = webhook.headers()
                signatures += headers.filter { $0.0 == "webhook-signature" }.map(\.1)
                let response = try TestHTTPClient(port: server.port)
                    .request("POST", "/webhooks/shop", headers: headers, body: webhook.body)
                #expect(response.status == 202 || response.status == 200, "\(response.summary)")
            }
            _ = try client.receiveJSON()
            var forged = WebhookSender.Headers()
            forged.signature = "v1," + Data((0..<32).map { UInt8($0) }).base64EncodedString()
            var other = WebhookSender(port: server.port)
            other.secret = "whsec_" + Data(repeating: 9, count: 32).base64EncodedString()
            let tampered = WebhookSender.Headers()
            let body = NativePayload.order(order: "ord_tampered").body
            let correct = WebhookSender.signature(
                id: tampered.id ?? "",
                timestamp: tampered.timestamp ?? "",
                body: Array(body.utf8),
                secret: WebhookSender.secret
            )
            var tamperedHeaders = tampered
            tamperedHeaders.signature = correct
            let sender = WebhookSender(port: server.port)
            let refusals = [
                try sender.post(NativePayload.order().body, headers: forged),
                try other.post(NativePayload.order().body),
                try sender.post(body + " ", headers: tamperedHeaders),
            ]
            #expect(refusals.allSatisfy { $0.status == 401 }, "\(refusals)")
            signatures += [forged.signature ?? "", correct]
            return signatures.flatMap { [$0, String($0.dropFirst(3))] } + [
                other.secret, String(other.secret.dropFirst(6)),
            ]
        }

        /// Notifications, stats and metrics with bearer tokens, good and bad; returns the tokens.
        private static func driveAPI(_ server: BridgeProcess) throws -> [String] {
            let admin = TestJWT.make(sub: "notifier", role: "admin")
            let created = try AuditTrail.call(
                server,
                "POST",
                "/api/notifications",
                token: admin,
                body: #"{"title":"Secret test","body":"hello","targetUserIds":["logged-in"]}"#
            )
            #expect(created.status == 201, "\(created.summary)")
            let forged = TestJWT.make(claims: ["sub": "eve", "org": "acme", "role": "admin"], secret: "nope")
            let denied = try AuditTrail.call(server, "GET", "/api/notifications", token: forged)
            #expect(denied.status == 401, "\(denied.summary)")
            for token in [admin, Self.statsToken, "wrong-stats-token"] {
                _ = try AuditTrail.call(server, "GET", "/api/stats", token: token)
            }
            return [admin, forged].flatMap(Self.tokenParts)
        }

        /// A JWT and its signature part.
        private static func tokenParts(_ token: String) -> [String] {
            [token, String(token.split(separator: ".", omittingEmptySubsequences: false).last ?? "")]
                .filter { $0.count >= 16 }
        }

        /// `secret` as it could be written: raw, with JSON's escaped slash, and percent-encoded.
        private static func writtenForms(_ secret: String) -> Set<String> {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            return [
                secret,
                secret.replacingOccurrences(of: "/", with: #"\/"#),
                secret.addingPercentEncoding(withAllowedCharacters: allowed) ?? secret,
            ]
        }
    }
}

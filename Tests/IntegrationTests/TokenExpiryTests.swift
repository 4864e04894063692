// A token that expires on a live connection: `auth_expiring`, then 4001 without a refresh; a
// refresh for the same user keeps the connection; one for another user is refused and changes nothing.

import BridgeCore
import Foundation
import Testing

extension HardeningTests {
    /// Token expiry and refresh on open connections.
    @Suite
    struct TokenExpiryTests {
        /// `WS_AUTH_TIMEOUT_S`: also how long a refresh may take once `auth_expiring` was sent.
        static let refreshSeconds = 2

        @Test
        func expiringTokenIsRefreshedOrTheConnectionClosedWith4001() throws {
            let server = try BridgeProcess.start(["WS_AUTH_TIMEOUT_S": String(Self.refreshSeconds)])
            defer { server.stop() }
            let before = try server.rejectionCounters()
            let lapsing = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "lapsing", ttl: 2))
            defer { lapsing.close() }
            let refreshing = try TestWebSocket.connect(
                port: server.port,
                token: TestJWT.make(sub: "refreshing", ttl: 2)
            )
            defer { refreshing.close() }
            let impostor = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "impostor", ttl: 2))
            defer { impostor.close() }
            for client in [lapsing, refreshing, impostor] {
                try client.subscribeConfirmed("org")
            }

            for client in [lapsing, refreshing, impostor] {
                let notice = try client.receiveJSON(timeout: .seconds(5))
                #expect(notice["type"]?.stringValue == "auth_expiring", "expected auth_expiring, got \(notice)")
            }
            try refreshing.sendJSON(["type": "auth", "token": TestJWT.make(sub: "refreshing", ttl: 3600)])
            try impostor.sendJSON(["type": "auth", "token": TestJWT.make(sub: "someone-else", ttl: 3600)])

            let refreshed = try refreshing.receiveJSON()
            #expect(refreshed["type"]?.stringValue == "authenticated", "answer to the refresh: \(refreshed)")
            #expect(refreshed["sub"]?.stringValue == "refreshing")
            #expect((refreshed["exp"]?.integerValue ?? 0) > Int64(Date().timeIntervalSince1970) + 3000)
            let refused = try impostor.receiveJSON()
            #expect(
                refused["type"]?.stringValue == "error" && refused["code"]?.stringValue == "identity_mismatch",
                "answer to a refresh for another user: \(refused)"
            )

            let bound = Duration.seconds(Self.refreshSeconds + 2)
            let lapsed = try lapsing.receiveClose(timeout: bound)
            #expect(lapsed.closeCode == 4001, "without a refresh: \(lapsed)")
            let mismatched = try impostor.receiveClose(timeout: bound)
            #expect(mismatched.closeCode == 4001, "after a refused refresh: \(mismatched)")
            let kept = try refreshing.receive(timeout: .seconds(1))
            #expect(kept == .timeout, "the refreshed connection got \(kept)")
            #expect(try refreshing.pingPong(), "the refreshed connection stopped answering")

            // The refreshed connection still receives its organisation's events.
            let accepted = try WebhookSender(port: server.port).deliver(.order(order: "ord_after_refresh"))
            #expect(try refreshing.receiveJSON()["eventId"]?.stringValue == accepted.eventID)
            try server.rejectionCounters().expectChanges(since: before, ["authFailed": 2])
        }
    }
}

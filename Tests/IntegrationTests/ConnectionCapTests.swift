// Connection caps: the server-wide cap (503), the per-IP and per-user caps (429), each with
// `Retry-After`, and the per-user cap applied again at first-message authentication (1013).

import BridgeCore
import Foundation
import Testing

extension HardeningTests {
    /// `WS_MAX_CONNECTIONS`, `WS_MAX_CONNECTIONS_PER_IP` and `WS_MAX_CONNECTIONS_PER_USER`.
    @Suite
    struct ConnectionCapTests {
        @Test
        func upgradeOverTheServerCapGets503UntilAPlaceIsFree() throws {
            let server = try BridgeProcess.start(["WS_MAX_CONNECTIONS": "3"])
            defer { server.stop() }
            let before = try server.rejectionCounters()
            var clients = try (1...3).map { index in
                try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "user\(index)"))
            }
            defer {
                for client in clients { client.close() }
            }

            let refused = try TestWebSocket.handshake(
                port: server.port,
                options: .init(token: TestJWT.make(sub: "user4"))
            )
            expectRefusal(refused, status: 503)
            #expect(try clients[0].pingPong(), "a connection under the cap stopped working")

            clients.removeFirst().close()
            #expect(try server.waitForConnections(2), "the closed connection still holds its place")
            let replacement = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "user5"))
            clients.append(replacement)
            #expect(try replacement.pingPong())
            try server.rejectionCounters().expectChanges(since: before, ["connectionCapRejected": 1])
        }

        @Test
        func upgradeOverThePerIPCapGets429() throws {
            let server = try BridgeProcess.start(["WS_MAX_CONNECTIONS_PER_IP": "2"])
            defer { server.stop() }
            let before = try server.rejectionCounters()
            let clients = try (1...2).map { index in
                try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "user\(index)"))
            }
            defer {
                for client in clients { client.close() }
            }

            // Another user from the same address: the address is what is capped.
            let refused = try TestWebSocket.handshake(
                port: server.port,
                options: .init(token: TestJWT.make(sub: "user3"))
            )
            expectRefusal(refused, status: 429)
            try server.rejectionCounters().expectChanges(since: before, ["ipCapRejected": 1])
        }

        @Test
        func behindATrustedProxyThePerIPCapCountsTheForwardedAddress() throws {
            let server = try BridgeProcess.start(["WS_MAX_CONNECTIONS_PER_IP": "1", "TRUSTED_PROXIES": "127.0.0.1"])
            defer { server.stop() }
            func upgrade(from address: String, user: String) throws -> TestWebSocket.Upgrade {
                var options = TestWebSocket.Options(token: TestJWT.make(sub: user))
                options.headers = [("X-Forwarded-For", address)]
                return try TestWebSocket.handshake(port: server.port, options: options)
            }
            // Two browsers behind the same balancer are two addresses.
            var held: [TestWebSocket] = []
            defer {
                for client in held { client.close() }
            }
            for (address, user) in [("203.0.113.7", "user1"), ("198.51.100.9", "user2")] {
                guard case .upgraded(let socket) = try upgrade(from: address, user: user) else {
                    Issue.record("\(address) was refused although it holds no connection")
                    continue
                }
                held.append(socket)
            }
            // A second connection from one of them is over its own cap.
            expectRefusal(try upgrade(from: "203.0.113.7", user: "user3"), status: 429)
        }

        @Test
        func perUserCapRefusesTheUpgradeAndTheFirstMessageAuth() throws {
            let server = try BridgeProcess.start(["WS_MAX_CONNECTIONS_PER_USER": "2"])
            defer { server.stop() }
            let before = try server.rejectionCounters()
            var held = try (1...2).map { _ in
                try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "alice", org: "acme"))
            }
            defer {
                for client in held { client.close() }
            }

            let refused = try TestWebSocket.handshake(
                port: server.port,
                options: .init(token: TestJWT.make(sub: "alice", org: "acme"))
            )
            expectRefusal(refused, status: 429)
            // The user is the pair (org, sub): the same sub elsewhere and another sub here are other users.
            for (sub, org) in [("alice", "globex"), ("bob", "acme")] {
                let other = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: sub, org: org))
                #expect(try other.pingPong(), "\(sub)@\(org) was affected by alice@acme's cap")
                other.close()
            }

            let late = try TestWebSocket.connect(port: server.port)
            defer { late.close() }
            try late.sendJSON(["type": "auth", "token": TestJWT.make(sub: "alice", org: "acme")])
            let ending = try late.receiveClose(timeout: .seconds(5))
            #expect(ending.closeCode == 1013, "first-message auth over the cap: \(ending)")

            held.removeFirst().close()
            #expect(try server.waitForConnections(1), "the closed connection still holds its place")
            let retry = try TestWebSocket.connect(port: server.port)
            held.append(retry)
            try retry.sendJSON(["type": "auth", "token": TestJWT.make(sub: "alice", org: "acme")])
            #expect(try retry.receiveJSON()["type"]?.stringValue == "authenticated")
            try server.rejectionCounters().expectChanges(since: before, ["userCapRejected": 2])
        }

        private func expectRefusal(
            _ upgrade: TestWebSocket.Upgrade,
            status: Int,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            guard case .refused(let response) = upgrade else {
                Issue.record("the upgrade over the cap was accepted", sourceLocation: sourceLocation)
                return
            }
            #expect(response.status == status, "\(response.summary)", sourceLocation: sourceLocation)
            let retryAfter = response.header("Retry-After").flatMap { Int($0) }
            #expect(
                (retryAfter ?? 0) > 0,
                "Retry-After is \(response.header("Retry-After") ?? "missing")",
                sourceLocation: sourceLocation
            )
        }
    }
}

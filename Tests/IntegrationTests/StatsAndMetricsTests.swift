// Issue 7, acceptance 1: known traffic and known rejections move every `/api/stats` and
// `/metrics` counter by exactly as much as they should, and promtool accepts `/metrics`.

import BridgeCore
import Foundation
import Testing

/// Parent of the issue 7 suites (stats, shutdown, TLS, logs); one at a time, since several of
/// them stop or restart servers while clients and webhooks are in flight.
@Suite(.serialized, .timeLimit(.minutes(3)))
enum OperabilityTests {}

extension OperabilityTests {
    /// The operator's counters against traffic the test controls to the unit.
    @Suite
    struct StatsAndMetricsTests {
        /// What the test sends, and by how much each webhook figure must move.
        static let webhooks: [String: Int64] = [
            "received": 10, "accepted": 3, "duplicate": 1, "stale": 1, "conflict": 0, "storeUnavailable": 0,
        ]
        /// Webhooks refused before storage, by their error code.
        static let refusals: [String: Int64] = [
            "bad_signature": 1, "timestamp_out_of_tolerance": 1, "invalid_payload": 1, "unknown_source": 1,
            "unsupported_media_type": 1,
        ]

        @Test
        func countersMoveByExactlyTheTrafficAndRejectionsSent() throws {
            let server = try BridgeProcess.start()
            defer { server.stop() }
            let statsBefore = try server.stats()
            let rejectionsBefore = try RejectionCounters(stats: statsBefore)
            let metricsBefore = try server.metrics()

            let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "operator"))
            defer { client.close() }
            try Self.driveWebSocketTraffic(server, client: client)
            try Self.driveWebhooks(server)
            let events = client.collectEvents(3, within: .seconds(10))
            #expect(events.seqs.count == 3, "the subscriber did not get the 3 accepted events: \(events.other)")
            #expect(client.staysQuiet(), "a stale or duplicate webhook was pushed")

            let stats = try server.stats()
            try RejectionCounters(stats: stats).expectChanges(
                since: rejectionsBefore,
                ["originRejected": 1, "handshakeAuthRejected": 1, "badMessages": 1, "forbiddenRooms": 1]
            )
            // In: subscribe, forbidden subscribe, bad message, ping. Out: subscribed, two errors,
            // pong and the three events.
            let expectedStats: [(path: [String], change: Int64)] =
                [
                    (["messages", "inTotal"], 4), (["messages", "outTotal"], 7),
                    (["connections", "acceptedTotal"], 1),
                ] + Self.webhooks.map { (["webhooks", $0.key], $0.value) }
                + Self.refusals.map { (["webhooks", "rejected", $0.key], $0.value) }
            for (path, change) in expectedStats {
                let moved = Self.integer(stats, path) - Self.integer(statsBefore, path)
                #expect(moved == change, "stats \(path.joined(separator: ".")) moved by \(moved), not \(change)")
            }
            let rejected = stats["webhooks"]?["rejected"]?.objectValue ?? [:]
            #expect(Set(rejected.keys) == Set(Self.refusals.keys), "rejection reasons: \(rejected)")
            for (path, value) in [(["connections", "current"], 1), (["rooms"], 1), (["subscriptions"], 1)] {
                #expect(Self.integer(stats, path) == Int64(value), "stats \(path) is not \(value): \(stats)")
            }

            let text = try server.metricsText()
            try Self.expectMetrics(PrometheusSamples(text), since: metricsBefore)
            #expect(try BridgeProcess.promtoolProblems(text) == nil)
        }

        @Test
        func statsReportEveryFigureTheIssueNames() throws {
            let server = try BridgeProcess.start()
            defer { server.stop() }
            let stats = try server.stats()
            let keys = Self.keyPaths(stats)
            // The issue names these figures without fixing their keys: look for each by its words.
            let figures: [(figure: String, words: [String])] = [
                ("messages in per second", ["in", "second"]), ("messages out per second", ["out", "second"]),
                ("messages in per minute", ["in", "minute"]), ("messages out per minute", ["out", "minute"]),
                ("average connection duration", ["duration", "av"]), ("p99 connection duration", ["duration", "99"]),
                ("store state", ["store", "status"]), ("outbox depth", ["outbox"]),
                ("dead letters", ["dead"]), ("uptime", ["uptime"]), ("version", ["version"]),
            ]
            let missing = figures.filter { _, words in
                !keys.contains { key in words.allSatisfy { key.lowercased().contains($0) } }
            }
            #expect(missing.isEmpty, "/api/stats lacks \(missing.map(\.figure)); its keys: \(keys.sorted())")
        }

        /// A client that subscribes, is refused a room, sends a bad message and pings; plus one
        /// upgrade refused for its Origin and one for its token.
        private static func driveWebSocketTraffic(_ server: BridgeProcess, client: TestWebSocket) throws {
            try client.subscribeConfirmed("org")
            try client.subscribe("org:other")
            #expect(try client.receiveJSON()["code"]?.stringValue == "forbidden_room")
            try client.send(text: "not json")
            #expect(try client.receiveJSON()["code"]?.stringValue == "bad_message")
            #expect(try client.pingPong())

            var foreign = TestWebSocket.Options(token: TestJWT.make())
            foreign.origin = "https://evil.example"
            var forged = TestWebSocket.Options(token: TestJWT.make(claims: ["sub": "x"], secret: "wrong"))
            forged.origin = BridgeProcess.allowedOrigin
            for options in [foreign, forged] {
                guard case .refused = try TestWebSocket.handshake(port: server.port, options: options) else {
                    Issue.record("an upgrade that must be refused was accepted")
                    continue
                }
            }
        }

        /// Three new events, a duplicate, a stale version and five refusals, one of each kind.
        private static func driveWebhooks(_ server: BridgeProcess) throws {
            let sender = WebhookSender(port: server.port)
            let first = WebhookSender.Headers()
            _ = try sender.deliver(.order(order: "ord_m1"), headers: first)
            _ = try sender.deliver(.order(order: "ord_m2"))
            _ = try sender.deliver(.order(order: "ord_m3", version: 5))
            #expect(try sender.deliver(.order(order: "ord_m1"), headers: first).duplicate)
            #expect(try sender.deliver(.order(order: "ord_m3", version: 2)).stale)

            var forged = WebhookSender.Headers()
            forged.signature = "v1," + Data(repeating: 0, count: 32).base64EncodedString()
            var late = WebhookSender.Headers()
            late.timestamp = "1000000000"
            var plain = WebhookSender.Headers()
            plain.contentType = "text/plain"
            var elsewhere = sender
            elsewhere.source = "nowhere"
            let refused = [
                try sender.post(NativePayload.order().body, headers: forged),
                try sender.post(NativePayload.order().body, headers: late),
                try sender.post(NativePayload.order().removing("orgId").body),
                try elsewhere.post(NativePayload.order().body),
                try sender.post(NativePayload.order().body, headers: plain),
            ]
            #expect(refused.map(\.status) == [401, 401, 400, 404, 415], "\(refused)")
        }

        /// Checks every counter of the metrics document against the traffic of the test.
        private static func expectMetrics(_ now: PrometheusSamples, since before: PrometheusSamples) {
            var expected: [String: Double] = [
                "bridge_websocket_connections_accepted_total": 1,
                "bridge_websocket_messages_received_total": 4,
                "bridge_websocket_messages_sent_total": 7,
                "bridge_webhooks_received_total": 10,
                #"bridge_webhooks_outcomes_total{outcome="accepted"}"#: 3,
                #"bridge_webhooks_outcomes_total{outcome="duplicate"}"#: 1,
                #"bridge_webhooks_outcomes_total{outcome="stale"}"#: 1,
                #"bridge_webhooks_outcomes_total{outcome="conflict"}"#: 0,
                #"bridge_webhooks_outcomes_total{outcome="store_unavailable"}"#: 0,
                #"bridge_webhook_stage_duration_seconds_count{stage="verified"}"#: 5,
                #"bridge_webhook_stage_duration_seconds_count{stage="committed"}"#: 5,
                #"bridge_webhook_stage_duration_seconds_count{stage="pushed"}"#: 3,
                #"bridge_webhook_stage_duration_seconds_count{stage="acknowledged"}"#: 0,
                "bridge_webhook_end_to_end_duration_seconds_count": 3,
            ]
            for reason in ["originRejected", "handshakeAuthRejected", "badMessages", "forbiddenRooms"] {
                expected[#"bridge_websocket_rejections_total{reason="\#(reason)"}"#] = 1
            }
            for (reason, count) in refusals {
                expected[#"bridge_webhooks_rejected_total{reason="\#(reason)"}"#] = Double(count)
            }
            for (series, change) in expected {
                let moved = now.change(of: series, since: before)
                #expect(moved == change, "\(series) moved by \(moved.map { "\($0)" } ?? "nothing (absent)")")
            }
            // Every other counter stays where it was.
            for series in now.values.keys where series.hasPrefix("bridge_websocket_rejections_total") {
                guard expected[series] == nil else { continue }
                #expect(now.change(of: series, since: before) == 0, "\(series) moved")
            }
            let gauges = ["bridge_websocket_connections": 1.0, "bridge_rooms": 1, "bridge_subscriptions": 1]
            for (gauge, value) in gauges {
                #expect(now[gauge] == value, "\(gauge) is \(now[gauge].map { "\($0)" } ?? "absent")")
            }
        }

        /// The integer at `path` in `json`, 0 when absent.
        private static func integer(_ json: JSONValue, _ path: [String]) -> Int64 {
            var value: JSONValue? = json
            for key in path { value = value?[key] }
            return value?.integerValue ?? 0
        }

        /// Every key path of `json`'s objects, dot-joined, at any depth (arrays are not entered).
        private static func keyPaths(_ json: JSONValue, prefix: String = "") -> [String] {
            guard let object = json.objectValue else { return [] }
            return object.flatMap { key, value in
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                return [path] + keyPaths(value, prefix: path)
            }
        }
    }
}

extension OperabilityTests.StatsAndMetricsTests {
    /// Who may read `/api/stats`, and what everybody else is told.
    @Test
    func statsAnswerAdminsAndTheStatsTokenOnly() throws {
        let statsToken = "stats-token-for-the-access-matrix-0001"
        let server = try BridgeProcess.start(["STATS_TOKEN": statsToken])
        defer { server.stop() }
        let client = TestHTTPClient(port: server.port)
        let forged = TestJWT.make(claims: ["sub": "eve", "org": "acme", "role": "admin"], secret: "wrong-secret")
        let cases: [(String, String?, Int)] = [
            ("no token", nil, 401),
            ("a token that is neither", "not-a-token", 401),
            ("a forged admin token", forged, 401),
            ("a member", TestJWT.make(sub: "bob", org: "acme", role: "member"), 403),
            ("an admin", TestJWT.make(sub: "alice", org: "acme", role: "admin"), 200),
            ("STATS_TOKEN", statsToken, 200),
        ]
        for (name, token, status) in cases {
            let headers = token.map { [("Authorization", "Bearer \($0)")] } ?? []
            let response = try client.get("/api/stats", headers: headers)
            #expect(response.status == status, "\(name): \(response.summary)")
            if status == 401 {
                #expect(response.header("WWW-Authenticate") == "Bearer", "\(name)")
                #expect(response.json?["error"]?["code"]?.stringValue == "unauthorized", "\(name)")
            }
            if status == 403 {
                #expect(response.json?["error"]?["code"]?.stringValue == "forbidden", "\(name)")
            }
        }

        // An organisation's admin sees its own organisation among the connected ones, no other.
        let acme = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "bob", org: "acme"))
        defer { acme.close() }
        let globex = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "eve", org: "globex"))
        defer { globex.close() }
        func organisations(_ token: String) throws -> Set<String> {
            let response = try client.get("/api/stats", headers: [("Authorization", "Bearer \(token)")])
            guard case .array(let rows)? = response.json?["connections"]?["perOrg"] else { return [] }
            return Set(rows.compactMap { $0["orgId"]?.stringValue })
        }
        #expect(try organisations(TestJWT.make(sub: "alice", org: "acme", role: "admin")) == ["acme"])
        #expect(try organisations(statsToken) == ["acme", "globex"])
    }
}

extension OperabilityTests.StatsAndMetricsTests {
    /// A wrong method on a built-in endpoint is 405 with an `Allow` header naming the right ones.
    @Test
    func wrongMethodsAreAnsweredWithTheAllowedOnes() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let cases: [(String, String, String)] = [
            ("POST", "/api/health", "GET, HEAD"),
            ("DELETE", "/api/health/ready", "GET, HEAD"),
            ("PUT", "/api/stats", "GET, HEAD"),
            ("POST", "/metrics", "GET, HEAD"),
            ("GET", "/webhooks/shop", "POST"),
            ("PUT", "/webhooks/shop", "POST"),
        ]
        for (method, path, allowed) in cases {
            let response = try TestHTTPClient(port: server.port).request(method, path)
            #expect(response.status == 405, "\(method) \(path): \(response.summary)")
            #expect(response.header("Allow") == allowed, "\(method) \(path)")
            #expect(response.json?["error"]?["code"]?.stringValue == "method_not_allowed", "\(method) \(path)")
        }
        // A plain GET of the WebSocket endpoint is told which protocol to upgrade to.
        let plain = try TestHTTPClient(port: server.port).get("/ws")
        #expect(plain.status == 426, "\(plain.summary)")
        #expect(plain.header("Upgrade") == "websocket")
        #expect(plain.json?["error"]?["code"]?.stringValue == "upgrade_required")
    }
}

extension OperabilityTests.StatsAndMetricsTests {
    /// `HEAD` gets the headers `GET` would, and not one byte of body, even on a kept-alive socket.
    @Test(arguments: ["/api/health/live", "/api/health", "/metrics"])
    func headAnswersCarryNoBody(_ path: String) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let socket = try LoopbackSocket.connect(port: server.port)
        defer { socket.close() }
        let deadline = ContinuousClock.now + .seconds(5)
        let request = "HEAD \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /api/health/live HTTP/1.1\r\nHost: x\r\n\r\n"
        try socket.send(Array(request.utf8), until: deadline)
        let received = try socket.receiveToEnd(until: deadline)
        let text = String(decoding: received, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200"), "\(text.prefix(200))")
        let parts = text.components(separatedBy: "\r\n\r\n")
        // One head, nothing after it: no body, and no answer to a request smuggled behind it.
        #expect(parts.count == 2 && parts[1].isEmpty, "bytes after the HEAD answer's headers: \(parts.dropFirst())")
        #expect(text.lowercased().contains("content-length:"))
    }
}

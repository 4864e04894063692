// Several bridge processes behind one PostgreSQL and one Redis (issue 9): every client on every
// instance sees every event once, in seq order, through broker outages and instance crashes; and
// the per-user connection cap counts the user's connections on every instance; notifications
// reach their targets on every instance.

import BridgeCore
import Foundation
import Testing

/// Real `bridge serve` processes sharing a scratch database and a Redis.
@Suite(
    .serialized,
    .enabled(if: MultiInstanceEnvironment.isEnabled, "needs BRIDGE_TEST_POSTGRES_URL and BRIDGE_TEST_REDIS_URL"),
    .timeLimit(.minutes(3))
)
struct MultiInstanceTests {
    /// Webhooks posted one at a time, alternating between instances.
    static let alternating = 30
    /// Webhooks each instance takes while all instances are posted to at once.
    static let perLane = 50

    @Test
    func webhooksPostedToEitherInstanceReachBothClientsOnceInSeqOrder() throws {
        let cluster = try BridgeCluster(count: 2)
        let ports = cluster.instances.map(\.port)
        let clients = try ports.enumerated().map { index, port in
            try TestWebSocket.connect(port: port, token: TestJWT.make(sub: "viewer_\(index)"))
        }
        defer { for client in clients { client.disconnect() } }
        for client in clients {
            #expect(try client.subscribeConfirmed("org")["seq"]?.integerValue == 0)
        }
        let wiretap = try TestRedisClient(url: cluster.redisURL)
        try wiretap.listen(to: "\(cluster.channelPrefix):events:*")

        var posted = try PostedEvent.alternating(Self.alternating, ports: ports, prefix: "ord_alt")
        posted += try PostedEvent.concurrently(Self.perLane, ports: ports, prefix: "ord_both")
        let total = posted.count
        #expect(posted.map(\.seq).sorted() == Array(1...Int64(total)), "seq must be gap-free across instances")
        // Every event went through the broker once, whichever instance took it.
        let published = try wiretap.messages(total).compactMap { message in
            try? StoredEventWireFormat.decode(message, maxBytes: 1 << 20).seq
        }
        #expect(published.sorted() == Array(1...Int64(total)), "the broker did not carry each event once")

        let byEventID = Dictionary(uniqueKeysWithValues: posted.map { ($0.eventID, $0.seq) })
        for (index, client) in clients.enumerated() {
            let log = client.collectEvents(total)
            #expect(log.seqs == Array(1...Int64(total)), "client \(index): \(log.other)\n\(cluster.logTails())")
            #expect(
                log.eventIDs.map { byEventID[$0] } == log.seqs.map { Optional($0) },
                "client \(index) got an event under another seq than the one it was accepted with"
            )
            #expect(client.staysQuiet(), "client \(index) got more than the \(total) events")
        }
    }

    @Test
    func brokerMessagesAreCheckedBeforeAnyClientSeesThem() throws {
        let cluster = try BridgeCluster(count: 2)
        let clients = try cluster.instances.map { instance in
            try TestWebSocket.connect(port: instance.port, token: TestJWT.make(sub: "target"))
        }
        defer { for client in clients { client.disconnect() } }
        for client in clients {
            try client.subscribeConfirmed("org")
        }
        let publisher = try TestRedisClient(url: cluster.redisURL)
        let channel = "\(cluster.channelPrefix):events:acme"
        let genuine = StoredEvent(
            eventID: UUID().uuidString.lowercased(),
            sourceID: "shop",
            webhookID: "msg_injected",
            seq: 1,
            receivedAtMillis: 1_700_000_000_000,
            event: OrderEvent(
                entityType: .order,
                action: .updated,
                orgID: "acme",
                orderID: "ord_injected",
                itemID: nil,
                version: 1,
                occurredAt: nil,
                dataJSON: #"{"status":"paid"}"#
            )
        )
        var decoy = genuine
        decoy.eventID = UUID().uuidString.lowercased()
        // Every hostile message carries the decoy's id: had one got through, it would be the
        // event the clients see first.
        let text = String(decoding: StoredEventWireFormat.encode(decoy), as: UTF8.self)
        let hostile: [(channel: String, message: String)] = [
            (channel, "not json at all"),
            (channel, "[1,2,3]"),
            (channel, text.replacingOccurrences(of: #""v":1"#, with: #""v":2"#)),
            (channel, text.replacingOccurrences(of: #""seq":1"#, with: #""seq":0"#)),
            (channel, text.replacingOccurrences(of: #""seq":1"#, with: #""seq":"1""#)),
            (channel, text.replacingOccurrences(of: "ord_injected", with: "ord injected")),
            (channel, text.replacingOccurrences(of: #""action":"updated""#, with: #""action":"exploded""#)),
            (channel, text.replacingOccurrences(of: #""data":{"status":"paid"}"#, with: #""data":[]"#)),
            (channel, String(text.dropLast()) + #","extra":true}"#),
            (channel, String(text.dropLast()) + #","data":"#),
            (channel, String(repeating: "[", count: 5_000)),
            ("\(cluster.channelPrefix):events:other", text),
            ("\(cluster.channelPrefix):events:bad org", text),
        ]
        for (target, message) in hostile {
            _ = try publisher.publish(target, Array(message.utf8))
        }
        let receivers = try publisher.publish(channel, StoredEventWireFormat.encode(genuine))
        #expect(receivers == 2, "both instances must be subscribed")

        for (index, client) in clients.enumerated() {
            let log = client.collectEvents(1, within: .seconds(10))
            #expect(log.eventIDs == [genuine.eventID], "client \(index): \(log.other)\n\(cluster.logTails())")
            #expect(client.staysQuiet(), "client \(index) got a refused message")
        }
        for instance in cluster.instances {
            try instance.expectHealthy()
            #expect(instance.log.contains("broker message refused"), "refusals are not logged")
        }
    }

    @Test
    func aRedisOutageLosesNothingAndDeliveryResumesByItself() throws {
        let redis = try PrivateRedis()
        let cluster = try BridgeCluster(count: 2, redisURL: redis.url)
        let ports = cluster.instances.map(\.port)
        let clients = try ports.enumerated().map { index, port in
            try TestWebSocket.connect(port: port, token: TestJWT.make(sub: "watcher_\(index)"))
        }
        defer { for client in clients { client.disconnect() } }
        for client in clients {
            try client.subscribeConfirmed("org")
        }
        var posted = try PostedEvent.alternating(10, ports: ports, prefix: "ord_before")

        redis.stop()
        for instance in cluster.instances {
            #expect(instance.waitForReadiness(503), "readiness stayed up without Redis:\n\(cluster.logTails())")
            #expect(try instance.stats()["broker"]?["status"]?.stringValue == "disconnected")
        }
        // Webhooks keep arriving, one every 100 ms, for a few seconds of outage.
        for index in 0..<20 {
            posted.append(try PostedEvent.post(.order(order: "ord_during_\(index)"), to: ports[index % 2]))
            Thread.sleep(forTimeInterval: 0.1)
        }
        try redis.start()
        for instance in cluster.instances {
            #expect(instance.waitForReadiness(200, within: .seconds(15)), "no recovery:\n\(cluster.logTails())")
        }
        posted += try PostedEvent.alternating(10, ports: ports, prefix: "ord_after")

        let total = posted.count
        #expect(posted.map(\.seq).sorted() == Array(1...Int64(total)))
        for (index, client) in clients.enumerated() {
            let log = client.collectEvents(total)
            #expect(log.seqs == Array(1...Int64(total)), "client \(index): \(log.other)\n\(cluster.logTails())")
            #expect(Set(log.eventIDs) == Set(posted.map(\.eventID)), "client \(index) got other events")
            #expect(client.staysQuiet(), "client \(index) got an event twice")
        }
    }

    @Test
    func aClientOfAKilledInstanceResumesOnAnotherWithSinceAndMissesNothing() throws {
        let cluster = try BridgeCluster(count: 3)
        let (doomed, ingest, refuge) = (cluster[0], cluster[1], cluster[2])
        let token = TestJWT.make(sub: "survivor")
        let stranded = try TestWebSocket.connect(port: doomed.port, token: token)
        let bystander = try TestWebSocket.connect(port: refuge.port, token: TestJWT.make(sub: "bystander"))
        defer { bystander.disconnect() }
        try stranded.subscribeConfirmed("org")
        try bystander.subscribeConfirmed("org")

        var posted = try PostedEvent.alternating(12, ports: [doomed.port, ingest.port, refuge.port], prefix: "ord_a")
        let seen = stranded.collectEvents(posted.count)
        #expect(seen.seqs == Array(1...Int64(posted.count)), "before the kill: \(seen.other)")
        let since = seen.seqs.last ?? 0

        doomed.kill()
        #expect(stranded.receive(orTimeout: .seconds(5)) == .disconnected, "the killed instance's socket stayed open")
        stranded.disconnect()
        // Events the client misses while it finds another instance.
        posted += try PostedEvent.alternating(15, ports: [ingest.port, refuge.port], prefix: "ord_missed")

        let resumed = try TestWebSocket.connect(port: refuge.port, token: token)
        defer { resumed.disconnect() }
        try resumed.sendJSON(["type": "subscribe", "room": "org", "since": since])
        let survivors = [ingest.port, refuge.port]
        let live = BackgroundWork("live-webhooks") {
            try PostedEvent.alternating(15, ports: survivors, prefix: "ord_live")
        }
        let subscribed = try resumed.receiveJSON()
        #expect(subscribed["type"]?.stringValue == "subscribed", "\(subscribed)")
        posted += try live.result(within: .seconds(60))

        let total = Int64(posted.count)
        let replayed = resumed.collectEvents(Int(total - since))
        #expect(replayed.seqs == Array((since + 1)...total), "\(replayed.other)\n\(cluster.logTails())")
        #expect(resumed.staysQuiet(), "the resumed client got an event twice")
        let watched = bystander.collectEvents(Int(total))
        #expect(watched.seqs == Array(1...total), "bystander: \(watched.other)")
    }

    @Test
    func thePerUserConnectionCapHoldsAcrossInstances() throws {
        let cluster = try BridgeCluster(count: 2, overrides: ["WS_MAX_CONNECTIONS_PER_USER": "2"])
        let (first, second) = (cluster[0], cluster[1])
        let token = TestJWT.make(sub: "alice", org: "acme")
        var held = try (1...2).map { _ in try TestWebSocket.connect(port: first.port, token: token) }
        defer {
            for client in held { client.close() }
        }
        #expect(
            try second.waitForClusterConnections(2),
            "the second instance never heard of the first one's connections:\n\(cluster.logTails())"
        )
        let view = try second.stats()["cluster"]
        #expect(view?["instances"]?.integerValue == 2, "\(String(describing: view))")
        #expect(view?["broker"]?.stringValue == "connected")

        let refused = try TestWebSocket.handshake(port: second.port, options: .init(token: token))
        guard case .refused(let response) = refused else {
            Issue.record("a third connection of alice on the other instance was accepted")
            return
        }
        #expect(response.status == 429, "\(response.summary)")
        #expect(response.json?["error"]?["code"]?.stringValue == "too_many_connections", "\(response.summary)")

        let bob = try TestWebSocket.connect(port: second.port, token: TestJWT.make(sub: "bob", org: "acme"))
        defer { bob.close() }
        #expect(try bob.pingPong(), "another user was affected by alice's cap")

        // A connection without a token meets the cluster-wide cap at its first `auth` message.
        let late = try TestWebSocket.connect(port: second.port)
        try late.sendJSON(["type": "auth", "token": token])
        let ending = try late.receiveClose(timeout: .seconds(5))
        #expect(ending.closeCode == 1013, "first-message auth over the cluster cap: \(ending)")
        late.close()

        let metrics = try second.metricsText()
        #expect(try PrometheusSamples(metrics)["bridge_cluster_instances"] == 2)
        #expect(try BridgeProcess.promtoolProblems(metrics) == nil)

        held.removeFirst().close()
        var readmitted: TestWebSocket?
        for _ in 0..<100 where readmitted == nil {
            switch try TestWebSocket.handshake(port: second.port, options: .init(token: token)) {
            case .upgraded(let socket):
                readmitted = socket
            case .refused(let response):
                #expect(response.status == 429, "\(response.summary)")
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        guard let readmitted else {
            Issue.record("alice's closed connection still counts on the other instance:\n\(cluster.logTails())")
            return
        }
        held.append(readmitted)
        #expect(try readmitted.pingPong())
    }

    @Test
    func hostilePresenceMessagesAreRefusedWithoutHarm() throws {
        let cluster = try BridgeCluster(count: 2)
        let publisher = try TestRedisClient(url: cluster.redisURL)
        let channel = "\(cluster.channelPrefix):presence"
        let forged = "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f"
        let good = #"{"v":1,"instance":"\#(forged)","connections":1,"final":false,"users":[]}"#
        let hostile = [
            "not json", "[]", String(good.dropLast()),
            good.replacingOccurrences(of: #""connections":1"#, with: #""connections":-1"#),
            good.replacingOccurrences(of: #""users":[]"#, with: #""users":[["acme","alice",99999999]]"#),
            good.replacingOccurrences(of: #""users":[]"#, with: #""users":[["acme","alice",1],["acme","alice",1]]"#),
            String(repeating: "[", count: 5_000),
        ]
        for message in hostile {
            #expect(try publisher.publish(channel, Array(message.utf8)) == 2, "both instances must be subscribed")
        }
        for instance in cluster.instances {
            try instance.expectHealthy()
            #expect(
                instance.eventually { $0.log.contains("broker message refused") },
                "refusals are not logged:\n\(cluster.logTails())"
            )
            // The forged instance never got in: every report naming it was malformed.
            #expect(instance.eventually { (try? $0.stats()["cluster"]?["instances"]?.integerValue) == 2 })
        }
    }

    @Test
    func aForgedPresenceCountCostsAUsersBudgetNoLongerThanItLasts() throws {
        let cluster = try BridgeCluster(count: 1)
        let instance = cluster[0]
        let alice = try TestWebSocket.connect(port: instance.port, token: TestJWT.make(sub: "alice", org: "acme"))
        defer { alice.close() }
        let publisher = try TestRedisClient(url: cluster.redisURL)
        let channel = "\(cluster.channelPrefix):presence"
        let forged = "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f"
        // Well-formed, within the wire format's bounds, and a lie: a million connections of alice.
        let lie = #"{"v":1,"instance":"\#(forged)","connections":1,"final":false,"users":[["acme","alice",1000000]]}"#
        _ = try publisher.publish(channel, Array(lie.utf8))
        #expect(instance.eventually { (try? $0.stats()["cluster"]?["instances"]?.integerValue) == 2 })
        #expect(try alice.pingPong(), "a full bucket pays for one message whatever it costs")

        let gone = #"{"v":1,"instance":"\#(forged)","connections":0,"final":true,"users":[]}"#
        _ = try publisher.publish(channel, Array(gone.utf8))
        #expect(instance.eventually { (try? $0.stats()["cluster"]?["instances"]?.integerValue) == 1 })
        // 100 messages a minute: a debt of a million tokens would refuse alice for a week.
        try alice.sendJSON(["type": "ping", "id": "after"])
        let reply = try alice.receiveJSON()
        #expect(reply["type"]?.stringValue == "pong", "alice is still paying for the forged count: \(reply)")
    }
}

extension MultiInstanceTests {
    @Test
    func aNotificationSentThroughOneInstanceReachesItsTargetsOnEvery() throws {
        let cluster = try BridgeCluster(count: 2)
        let sender = cluster.instances[0]
        let other = cluster.instances[1]
        let bob = try TestWebSocket.connect(port: other.port, token: TestJWT.make(sub: "bob", org: "acme"))
        defer { bob.disconnect() }
        let dave = try TestWebSocket.connect(port: other.port, token: TestJWT.make(sub: "dave", org: "acme"))
        defer { dave.disconnect() }
        let globex = try TestWebSocket.connect(port: other.port, token: TestJWT.make(sub: "bob", org: "globex"))
        defer { globex.disconnect() }
        let local = try TestWebSocket.connect(port: sender.port, token: TestJWT.make(sub: "bob", org: "acme"))
        defer { local.disconnect() }
        for socket in [bob, dave, globex, local] {
            try socket.subscribeConfirmed("user")
            try socket.subscribeConfirmed("org")
        }
        let admin = TestJWT.make(sub: "alice", org: "acme", role: "admin")

        let targeted = try AuditTrail.call(
            sender,
            "POST",
            "/api/notifications",
            token: admin,
            body: #"{"title":"Shipment delayed","body":"tomorrow","targetUserIds":["bob"]}"#
        )
        try #require(targeted.status == 201, "\(targeted.summary)")
        for socket in [bob, local] {
            let pushed = try socket.receiveJSON(type: "notification")
            #expect(pushed["id"] == targeted.json?["id"])
            #expect(pushed["audience"]?.stringValue == "users")
        }
        #expect(try dave.receive(timeout: .milliseconds(300)) == .timeout)
        #expect(try globex.receive(timeout: .milliseconds(300)) == .timeout)

        let everyone = try AuditTrail.call(
            sender,
            "POST",
            "/api/notifications",
            token: admin,
            body: #"{"title":"Maintenance","body":"Tonight at 22:00"}"#
        )
        try #require(everyone.status == 201, "\(everyone.summary)")
        for socket in [bob, dave, local] {
            let pushed = try socket.receiveJSON(type: "notification")
            #expect(pushed["id"] == everyone.json?["id"])
            #expect(pushed["audience"]?.stringValue == "org")
            // The sending instance must not hear its own push back a second time.
            #expect(try socket.receive(timeout: .milliseconds(300)) == .timeout)
        }
        #expect(try globex.receive(timeout: .milliseconds(300)) == .timeout)
    }

    @Test
    func aUserOnTwoInstancesSharesOneMessageBudget() throws {
        let budget = 6
        // A long window: the budget does not refill while the test runs.
        let cluster = try BridgeCluster(
            count: 2,
            overrides: ["WS_RATE_LIMIT_MESSAGES": String(budget), "WS_RATE_LIMIT_WINDOW_MS": "600000"]
        )
        let token = TestJWT.make(sub: "alice", org: "acme")
        let here = try TestWebSocket.connect(port: cluster[0].port, token: token)
        defer { here.close() }
        let there = try TestWebSocket.connect(port: cluster[1].port, token: token)
        defer { there.close() }
        for instance in cluster.instances {
            #expect(try instance.waitForClusterConnections(2), "the instances never heard of each other")
        }
        // Alice holds one of her two connections here, so each message here costs her two.
        var answered = 0
        for _ in 0..<budget {
            try here.sendJSON(["type": "ping"])
            let reply = try here.receiveJSON()
            guard reply["type"]?.stringValue == "pong" else {
                #expect(reply["code"]?.stringValue == "rate_limited", "\(reply)")
                break
            }
            answered += 1
        }
        #expect(answered == budget / 2, "alice got \(answered) messages through on one of two instances")
        let bob = try TestWebSocket.connect(port: cluster[0].port, token: TestJWT.make(sub: "bob", org: "acme"))
        defer { bob.close() }
        #expect(try bob.pingPong(), "another user was charged for alice's messages")
    }

    @Test
    func hostileNotificationMessagesAreRefusedWithoutHarm() throws {
        let cluster = try BridgeCluster(count: 2)
        let client = try TestWebSocket.connect(
            port: cluster.instances[0].port,
            token: TestJWT.make(sub: "bob", org: "acme")
        )
        defer { client.disconnect() }
        try client.subscribeConfirmed("org")
        let publisher = try TestRedisClient(url: cluster.redisURL)
        let channel = "\(cluster.channelPrefix):notifications"
        let forged = "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f"
        let good =
            #"{"v":1,"instance":"\#(forged)","orgId":"acme","rooms":["org"],"type":"notification","message":"{}"}"#
        let hostile = [
            "not json", "[]", "", String(good.dropLast()),
            good.replacingOccurrences(of: #""rooms":["org"]"#, with: #""rooms":["org:globex"]"#),
            good.replacingOccurrences(of: #""rooms":["org"]"#, with: #""rooms":[]"#),
            good.replacingOccurrences(of: #""orgId":"acme""#, with: #""orgId":"../x""#),
            good.replacingOccurrences(of: #""message":"{}""#, with: #""message":"[1]""#),
            good.replacingOccurrences(of: #""message":"{}""#, with: #""message":{}"#),
            String(repeating: "[", count: 5_000),
        ]
        for message in hostile {
            #expect(try publisher.publish(channel, Array(message.utf8)) == 2, "both instances must be subscribed")
        }
        #expect(try client.receive(timeout: .milliseconds(500)) == .timeout, "a malformed push reached a client")
        for instance in cluster.instances {
            try instance.expectHealthy()
            #expect(
                instance.eventually { $0.log.contains("broker message refused") },
                "refusals are not logged:\n\(cluster.logTails())"
            )
        }
        // A well-formed push from another instance is delivered as it came.
        #expect(try publisher.publish(channel, Array(good.utf8)) == 2)
        #expect(try client.receiveJSON() == .object([:]))
    }
}

extension BridgeProcess {
    /// Polls `condition` every 100 ms for at most `bound`; whether it came true.
    fileprivate func eventually(within bound: Duration = .seconds(10), _ condition: (BridgeProcess) -> Bool) -> Bool {
        let deadline = ContinuousClock.now + bound
        while !condition(self) {
            guard ContinuousClock.now < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return true
    }
}

extension TestWebSocket {
    /// The next message, or `.timeout`; a read failure counts as `.disconnected`.
    fileprivate func receive(orTimeout bound: Duration) -> Message {
        (try? receive(timeout: bound)) ?? .disconnected
    }
}

// Signed acknowledgements back to the source, end to end: the real binary, a real receiver on loopback.

import BridgeCore
import Foundation
import Testing

/// Delivery acknowledgements as an upstream source sees them. Retry delays are shortened with
/// `ACK_RETRY_BASE_MS` and made exact with `ACK_RETRY_JITTER=none`; the backoff maths itself is
/// unit-tested with an injected clock and random source.
@Suite("Delivery acknowledgements", .serialized, .timeLimit(.minutes(2)))
struct DeliveryAckTests {
    /// A second source's secret, for the tests with two sources.
    static let posSecret =
        "whsec_" + Data((0..<32).map { UInt8(truncatingIfNeeded: $0 &* 11 &+ 5) }).base64EncodedString()

    /// Starts a bridge that acknowledges source `shop` to `url`, with short, exact retry delays.
    static func start(ackURL url: String, _ overrides: [String: String?] = [:]) throws -> BridgeProcess {
        var environment: [String: String?] = [
            "WEBHOOK_ACK_URL_SHOP": url,
            "ACK_RETRY_BASE_MS": "300",
            "ACK_RETRY_JITTER": "none",
            "ACK_POLL_INTERVAL_MS": "50",
            "ACK_REPORT_GRACE_MS": "500",
        ]
        environment.merge(overrides) { $1 }
        return try BridgeProcess.start(environment)
    }

    /// The JSON body of a recorded request.
    static func json(_ request: AckReceiver.Request) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(request.body))
    }

    /// Seconds between two instants.
    static func seconds(_ from: ContinuousClock.Instant, _ to: ContinuousClock.Instant) -> Double {
        let parts = from.duration(to: to).components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    @Test("An accepted webhook is acknowledged once, signed so that standardwebhooks verifies it")
    func happyPath() throws {
        let receiver = try AckReceiver(always: 200)
        defer { receiver.stop() }
        let server = try Self.start(ackURL: receiver.url)
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make(role: "member"))
        defer { client.close() }
        _ = try client.subscribeConfirmed("org")

        let headers = WebhookSender.Headers()
        let accepted = try WebhookSender(port: server.port).deliver(.order(order: "ord_ack_1"), headers: headers)
        let request = try receiver.waitForRequests(1)[0]

        #expect(request.path == "/acks")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["webhook-id"] == Delivery.id(eventID: accepted.eventID, outcome: .delivered))
        let body = try Self.json(request)
        #expect(body["type"]?.stringValue == "delivery.ack")
        #expect(body["webhookId"]?.stringValue == headers.id)
        #expect(body["eventId"]?.stringValue == accepted.eventID)
        #expect(body["status"]?.stringValue == "delivered")
        #expect(body["recipients"]?.integerValue == 1)
        #expect(body["deliveredAt"]?.stringValue.map(RFC3339.isValid) == true)
        #expect(body.objectValue?.count == 6)
        #expect(try StandardWebhooksCheck.verify(request, secret: WebhookSender.secret) == "verified")

        try server.waitForDelivery { $0["status"]?.stringValue == "sent" && $0["attempts"]?.integerValue == 1 }
        #expect(receiver.requests.count == 1)
        #expect(!server.log.contains(WebhookSender.secret))
    }

    @Test("A stale event and a repeated webhook are acknowledged as such, each once")
    func staleAndDuplicate() throws {
        let receiver = try AckReceiver(always: 200)
        defer { receiver.stop() }
        let server = try Self.start(ackURL: receiver.url)
        defer { server.stop() }
        let sender = WebhookSender(port: server.port)

        let first = WebhookSender.Headers()
        _ = try sender.deliver(.order(order: "ord_ack_2", version: 5), headers: first)
        _ = try sender.deliver(.order(order: "ord_ack_2", version: 5), headers: first)
        _ = try sender.deliver(.order(order: "ord_ack_2", version: 5), headers: first)
        _ = try sender.deliver(.order(order: "ord_ack_2", version: 3))

        let requests = try receiver.waitForRequests(3)
        let statuses = try requests.map { try Self.json($0)["status"]?.stringValue ?? "" }
        #expect(statuses.sorted() == ["delivered", "duplicate", "stale"])
        Thread.sleep(forTimeInterval: 0.5)
        #expect(receiver.requests.count == 3, "the second duplicate must not queue another acknowledgement")
    }

    @Test("A receiver failing twice gets three attempts with one webhook-id and growing delays")
    func failTwiceThenSucceed() throws {
        let receiver = try AckReceiver { index, _ in index < 2 ? .status(500) : .status(200) }
        defer { receiver.stop() }
        let server = try Self.start(ackURL: receiver.url)
        defer { server.stop() }

        _ = try WebhookSender(port: server.port).deliver(.order(order: "ord_ack_3"))
        let requests = try receiver.waitForRequests(3)

        #expect(Set(requests.map { $0.headers["webhook-id"] ?? "" }).count == 1)
        for request in requests {
            // Each attempt is signed afresh for its own timestamp.
            #expect(try StandardWebhooksCheck.verify(request, secret: WebhookSender.secret) == "verified")
        }
        let first = Self.seconds(requests[0].receivedAt, requests[1].receivedAt)
        let second = Self.seconds(requests[1].receivedAt, requests[2].receivedAt)
        #expect(first >= 0.3, "first retry after \(first) s; the base delay is 0.3 s")
        #expect(second >= 0.6, "second retry after \(second) s; it should be twice the base")
        #expect(second > first)
        let row = try server.waitForDelivery { $0["status"]?.stringValue == "sent" }
        #expect(row["attempts"]?.integerValue == 3)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(receiver.requests.count == 3)
    }

    @Test("Killed with SIGKILL between attempts, the restarted bridge still delivers the ack once")
    func survivesSIGKILLBetweenAttempts() throws {
        let receiver = try AckReceiver { index, _ in index == 0 ? .status(503) : .status(200) }
        defer { receiver.stop() }
        let server = try Self.start(ackURL: receiver.url, ["ACK_RETRY_BASE_MS": "1500"])
        defer { server.stop() }

        _ = try WebhookSender(port: server.port).deliver(.order(order: "ord_ack_4"))
        try receiver.waitForRequests(1)
        // The first attempt's result is stored before the kill, so the row is between attempts.
        try server.waitForDelivery { $0["attempts"]?.integerValue == 1 && $0["status"]?.stringValue == "pending" }
        server.kill()
        try server.restart()

        let requests = try receiver.waitForRequests(2)
        try server.waitForDelivery { $0["status"]?.stringValue == "sent" }
        Thread.sleep(forTimeInterval: 0.5)
        let all = receiver.requests
        #expect(all.count == 2)
        #expect(all.filter { $0.answeredWith == 200 }.count == 1)
        #expect(requests[0].headers["webhook-id"] == requests[1].headers["webhook-id"])
        #expect(requests[0].body == requests[1].body)
    }

    @Test("410 Gone stops the retries for good")
    func goneStopsRetrying() throws {
        let receiver = try AckReceiver(always: 410)
        defer { receiver.stop() }
        let server = try Self.start(ackURL: receiver.url, ["ACK_RETRY_BASE_MS": "50"])
        defer { server.stop() }

        _ = try WebhookSender(port: server.port).deliver(.order(order: "ord_ack_5"))
        try receiver.waitForRequests(1)
        let row = try server.waitForDelivery { $0["status"]?.stringValue == "failed" }
        #expect(row["lastHttpStatus"]?.integerValue == 410)
        #expect(row["attempts"]?.integerValue == 1)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(receiver.requests.count == 1)
    }

    @Test("429 with Retry-After waits as long as asked, not the short backoff")
    func retryAfterIsHonoured() throws {
        let receiver = try AckReceiver { index, _ in
            index == 0 ? .status(429, headers: [("Retry-After", "2")]) : .status(200)
        }
        defer { receiver.stop() }
        let server = try Self.start(ackURL: receiver.url, ["ACK_RETRY_BASE_MS": "50"])
        defer { server.stop() }

        _ = try WebhookSender(port: server.port).deliver(.order(order: "ord_ack_6"))
        let requests = try receiver.waitForRequests(2)
        let gap = Self.seconds(requests[0].receivedAt, requests[1].receivedAt)
        #expect(gap >= 1.95, "retried after \(gap) s; Retry-After asked for 2 s")
        try server.waitForDelivery { $0["status"]?.stringValue == "sent" }
    }

    @Test("A hanging receiver times out and does not hold up another source's acknowledgement")
    func hangingReceiverDelaysNobodyElse() throws {
        let hanging = try AckReceiver { index, _ in index == 0 ? .hang : .status(200) }
        defer { hanging.stop() }
        let prompt = try AckReceiver(always: 200)
        defer { prompt.stop() }
        let server = try Self.start(
            ackURL: hanging.url,
            [
                "WEBHOOK_SOURCES": "shop,pos",
                "WEBHOOK_SECRET_POS": Self.posSecret,
                "WEBHOOK_ACK_URL_POS": prompt.url,
                "ACK_TIMEOUT_S": "3",
            ]
        )
        defer { server.stop() }

        _ = try WebhookSender(port: server.port).deliver(.order(order: "ord_ack_7"))
        let stuck = try hanging.waitForRequests(1)[0]
        let pos = WebhookSender(port: server.port, source: "pos", secret: Self.posSecret)
        _ = try pos.deliver(.order(order: "ord_ack_8"))
        let other = try prompt.waitForRequests(1)[0]

        #expect(hanging.requests.count == 1, "the stuck attempt must still be waiting for its answer")
        #expect(Self.seconds(stuck.receivedAt, other.receivedAt) < 3, "the other source waited for the timeout")
        #expect(try StandardWebhooksCheck.verify(other, secret: Self.posSecret) == "verified")

        let retried = try hanging.waitForRequests(2)
        #expect(Self.seconds(stuck.receivedAt, retried[1].receivedAt) >= 3)
        let row = try server.waitForDelivery { row in
            row["sourceId"]?.stringValue == "shop" && row["status"]?.stringValue == "sent"
        }
        #expect(row["attempts"]?.integerValue == 2)
    }

    @Test("A redirect is a failure and is not followed")
    func redirectIsNotFollowed() throws {
        let receiver = try AckReceiver { _, path in
            path == "/acks" ? .status(302, headers: [("Location", "/followed")]) : .status(200)
        }
        defer { receiver.stop() }
        let server = try Self.start(ackURL: receiver.url, ["ACK_MAX_ATTEMPTS": "1"])
        defer { server.stop() }

        _ = try WebhookSender(port: server.port).deliver(.order(order: "ord_ack_9"))
        let row = try server.waitForDelivery { $0["status"]?.stringValue == "failed" }
        #expect(row["lastHttpStatus"]?.integerValue == 302)
        #expect(row["lastError"]?.stringValue?.contains("redirect") == true)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(receiver.requests.map(\.path) == ["/acks"])
    }

    @Test("Dead letters are listed for the organisation's admins and retried by API and CLI")
    func deadLettersAreListedAndRetried() throws {
        let receiver = try AckReceiver { index, _ in index < 2 ? .status(500) : .status(200) }
        defer { receiver.stop() }
        let server = try Self.start(ackURL: receiver.url, ["ACK_MAX_ATTEMPTS": "1"])
        defer { server.stop() }
        let sender = WebhookSender(port: server.port)
        let first = try sender.deliver(.order(order: "ord_ack_10"))
        let second = try sender.deliver(.order(order: "ord_ack_11"))
        try receiver.waitForRequests(2)

        var failed: [JSONValue] = []
        for _ in 0..<200 where failed.count < 2 {
            failed = try server.deliveries(status: "failed")
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(Set(failed.compactMap { $0["eventId"]?.stringValue }) == [first.eventID, second.eventID])
        #expect(try server.deliveries(status: "failed", org: "other").isEmpty)

        let client = TestHTTPClient(port: server.port)
        let member = [("Authorization", "Bearer \(TestJWT.make(role: "member"))")]
        let refused = try client.get("/api/deliveries?status=failed", headers: member)
        #expect(refused.status == 403)
        // Refusals and retries are security events, like every other admin action.
        #expect(AuditTrail.record(of: refused, in: server)?["event"]?.stringValue == "DELIVERIES_DENIED")
        #expect(try client.get("/api/deliveries?status=failed").status == 401)
        #expect(try client.get("/api/deliveries?status=lost", headers: Self.admin).status == 400)

        let id = Delivery.id(eventID: first.eventID, outcome: .delivered)
        let retried = try client.request("POST", "/api/deliveries/\(id)/retry", headers: Self.admin)
        #expect(retried.status == 202, "\(retried.summary)")
        #expect(retried.json?["delivery"]?["status"]?.stringValue == "pending")
        let audited = AuditTrail.record(of: retried, in: server)
        #expect(audited?["event"]?.stringValue == "DELIVERY_RETRIED")
        #expect(audited?["outcome"]?.stringValue == "allowed")
        #expect(try client.request("POST", "/api/deliveries/\(id)/retry", headers: Self.admin).status == 409)
        let elsewhere = [("Authorization", "Bearer \(TestJWT.make(org: "other", role: "admin"))")]
        #expect(try client.request("POST", "/api/deliveries/\(id)/retry", headers: elsewhere).status == 404)
        #expect(try client.request("POST", "/api/deliveries/ack_nope/retry", headers: Self.admin).status == 404)

        let third = try receiver.waitForRequests(3)[2]
        #expect(third.headers["webhook-id"] == id)
        #expect(third.answeredWith == 200)

        let cli = try server.runCLI(["deliveries", "retry", "--all-failed"])
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(cli.stdout.contains("1 delivery scheduled for retry"))
        let fourth = try receiver.waitForRequests(4)[3]
        #expect(fourth.headers["webhook-id"] == Delivery.id(eventID: second.eventID, outcome: .delivered))
        try server.waitForDelivery { row in
            row["eventId"]?.stringValue == second.eventID && row["status"]?.stringValue == "sent"
        }
        #expect(try server.deliveries(status: "failed").isEmpty)
    }

    /// An admin of `acme`, the organisation of every test webhook.
    static var admin: [(String, String)] {
        [("Authorization", "Bearer \(TestJWT.make(org: "acme", role: "admin"))")]
    }
}

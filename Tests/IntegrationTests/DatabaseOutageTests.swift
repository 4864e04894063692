// Issue 4, acceptance 5: the database goes away under a running bridge. Ingest answers 503 with
// Retry-After, readiness says so, WebSocket clients stay connected, nothing crashes; when the
// database is back the bridge reconnects by itself and the retried webhooks get through.

import BridgeCore
import Foundation
import Testing

extension DurabilityTests {
    /// A bridge on a private PostgreSQL cluster that the test stops and starts.
    @Suite(.enabled(if: PrivatePostgres.isEnabled, "needs PostgreSQL 15 (initdb, pg_ctl)"))
    struct DatabaseOutageTests {
        /// Bound on the bridge noticing that the database is back.
        static let recovery: Duration = .seconds(20)

        @Test
        func ingestAnswers503WhileTheDatabaseIsDownAndRecoversByItself() throws {
            let postgres = try PrivatePostgres()
            let server = try BridgeProcess.start(["DATABASE_URL": postgres.url])
            defer { server.stop() }
            let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "patient"))
            defer { client.close() }
            try client.subscribeConfirmed("org")
            let before = try WebhookSender(port: server.port).deliver(.order(order: "ord_before_outage"))
            #expect(try client.receiveJSON()["eventId"]?.stringValue == before.eventID)

            try postgres.stop()
            let during = SignedWebhook.orders(3, prefix: "ord_during_outage")
            for webhook in during {
                let response = try webhook.send(to: server.port)
                #expect(response.status == 503, "with the database down: \(response.summary)")
                let retryAfter = response.header("Retry-After").flatMap { Int($0) }
                #expect(retryAfter.map { $0 > 0 } == true, "503 without a usable Retry-After: \(response.headers)")
            }
            #expect(try server.readiness().status == 503, "ready while the database is down")
            #expect(try TestHTTPClient(port: server.port).get("/api/health/live").status == 200)
            #expect(try client.pingPong(), "the WebSocket client was not kept connected")
            #expect(server.isRunning, "the bridge exited:\n\(server.logTail())")

            try postgres.start()
            // The upstream retries its webhooks, in order, until they are taken.
            var retried: [WebhookAnswer] = []
            for webhook in during {
                retried.append(Self.retry(webhook, port: server.port, within: Self.recovery))
            }
            #expect(server.waitForReadiness(200), "not ready again:\n\(server.logTail())")
            for (offset, answer) in retried.enumerated() {
                #expect(answer.status == 202 && !answer.duplicate, "a 503 must not have stored it: \(answer)")
                #expect(answer.seq == (before.seq ?? 0) + Int64(offset) + 1, "seq with a gap: \(answer)")
            }
            let log = client.collectEvents(retried.count, within: .seconds(10))
            #expect(log.eventIDs == retried.map { $0.eventID ?? "" }, "the client missed events: \(log.other)")
            #expect(client.staysQuiet(), "the client got an event twice")
            withExtendedLifetime(postgres) {}
        }

        /// Sends `webhook` every 200 ms until an answer other than 503 comes or `bound` passes.
        private static func retry(_ webhook: SignedWebhook, port: UInt16, within bound: Duration) -> WebhookAnswer {
            let deadline = ContinuousClock.now + bound
            var last = WebhookAnswer(webhook, response: nil)
            while ContinuousClock.now < deadline {
                last = WebhookAnswer(webhook, response: try? webhook.send(to: port))
                if let status = last.status, status != 503 { return last }
                Thread.sleep(forTimeInterval: 0.2)
            }
            return last
        }
    }
}

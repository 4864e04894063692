// Issue 7, acceptance 2: SIGTERM with clients connected and webhooks in flight. Every webhook
// answered 2xx is stored, every client is closed with 1001, and the process exits 0 in time.

import BridgeCore
import Foundation
import Testing

extension OperabilityTests {
    /// A graceful shutdown under load.
    @Suite
    struct GracefulShutdownTests {
        /// `SHUTDOWN_TIMEOUT_S` of the server under test.
        static let shutdownTimeout = 5
        /// Subscribed clients connected when the signal comes.
        static let clients = 5
        /// Webhooks posted; the signal comes long before the last.
        static let burst = 600
        /// Kept-alive connections the webhooks are posted over.
        static let lanes = 4
        /// Answers after which SIGTERM is sent.
        static let signalAfter = 100

        @Test
        func sigtermStoresEveryAcknowledgedWebhookClosesClientsWith1001AndExitsZero() throws {
            let server = try BridgeProcess.start(["SHUTDOWN_TIMEOUT_S": String(Self.shutdownTimeout)])
            defer { server.stop() }
            let watches = try (0..<Self.clients).map { index in
                let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "viewer_\(index)"))
                try client.subscribeConfirmed("org")
                return CloseWatch(client, name: String(index), within: .seconds(30))
            }
            let volley = WebhookVolley(
                SignedWebhook.orders(Self.burst, prefix: "ord_term"),
                lanes: Self.lanes,
                port: server.port
            )
            #expect(volley.waitForAnswers(Self.signalAfter), "only \(volley.answered) answers:\n\(server.logTail())")

            let signalled = ContinuousClock.now
            let status = server.stop(grace: .seconds(Self.shutdownTimeout + 5))
            let took = signalled.duration(to: .now)
            #expect(status == 0, "exit status after SIGTERM:\n\(server.logTail())")
            #expect(took <= .seconds(Self.shutdownTimeout), "took \(took) to exit; SHUTDOWN_TIMEOUT_S is 5")

            let answers = try volley.answers()
            for answer in answers where answer.status != nil {
                #expect(answer.status == 202 || answer.status == 503, "while shutting down: \(answer)")
            }
            let acknowledged = answers.filter(\.isSuccess)
            #expect(acknowledged.count < Self.burst, "the burst ended before the signal: nothing was in flight")
            for (index, watch) in watches.enumerated() {
                let outcome = try watch.outcome(within: .seconds(35))
                #expect(outcome.end.closeCode == 1001, "client \(index) ended with \(outcome.end)")
                #expect(
                    outcome.seqs == Array(stride(from: 1, through: Int64(outcome.seqs.count), by: 1)),
                    "client \(index) saw a gap or a duplicate before the close"
                )
            }

            try server.restart()
            let replay = try server.replayFromStart()
            #expect(replay.latest >= Int64(acknowledged.count), "fewer events stored than acknowledged")
            #expect(replay.events.seqs == Array(stride(from: 1, through: replay.latest, by: 1)))
            let stored = Dictionary(zip(replay.events.eventIDs, replay.events.seqs)) { first, _ in first }
            for answer in acknowledged {
                #expect(answer.eventID.flatMap { stored[$0] } == answer.seq, "acknowledged but not stored: \(answer)")
            }
        }
    }
}

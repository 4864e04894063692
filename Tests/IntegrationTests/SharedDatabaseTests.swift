// Issue 4, acceptance 4: two bridge processes on one PostgreSQL database (no broker) take
// interleaved webhooks for one organisation, and the seqs they hand out are 1...N exactly.

import BridgeCore
import Foundation
import Testing

extension DurabilityTests {
    /// Several instances sharing a database, with nothing but the database between them.
    @Suite(.enabled(if: MultiInstanceEnvironment.isPostgresEnabled, "needs BRIDGE_TEST_POSTGRES_URL"))
    struct SharedDatabaseTests {
        /// Webhooks posted one at a time, alternating between the instances.
        static let alternating = 30
        /// Webhooks each instance takes while both are posted to at once.
        static let perInstance = 120
        /// Kept-alive connections to each instance during the concurrent part.
        static let lanes = 4

        @Test
        func interleavedWebhooksOnTwoInstancesGetGapFreeSeqs() throws {
            let database = try ScratchDatabase()
            let overrides: [String: String?] = ["DATABASE_URL": database.url, "REDIS_URL": nil, "LOG_LEVEL": "info"]
            let instances = try (0..<2).map { _ in try BridgeProcess.start(overrides) }
            defer {
                for instance in instances { instance.stop() }
                withExtendedLifetime(database) {}
            }
            let ports = instances.map(\.port)

            var posted = try PostedEvent.alternating(Self.alternating, ports: ports, prefix: "ord_alt")
            let volleys = ports.enumerated().map { index, port in
                WebhookVolley(
                    SignedWebhook.orders(Self.perInstance, prefix: "ord_instance\(index)"),
                    lanes: Self.lanes,
                    port: port
                )
            }
            for (index, volley) in volleys.enumerated() {
                for answer in try volley.answers() {
                    guard let eventID = answer.eventID, let seq = answer.seq, answer.status == 202 else {
                        Issue.record("instance \(index) did not accept \(answer):\n\(instances[index].logTail())")
                        continue
                    }
                    posted.append(PostedEvent(eventID: eventID, seq: seq))
                }
            }

            let total = Int64(Self.alternating + 2 * Self.perInstance)
            #expect(posted.map(\.seq).sorted() == Array(1...total), "seqs across both instances: gap or duplicate")
            #expect(Set(posted.map(\.eventID)).count == posted.count, "an eventId was handed out twice")

            // A third instance reads the same history back from the database.
            let reader = try BridgeProcess.start(overrides)
            defer { reader.stop() }
            let replay = try reader.replayFromStart()
            #expect(replay.latest == total)
            #expect(replay.events.seqs == Array(1...total), "\(replay.events.other)")
            let bySeq = Dictionary(posted.map { ($0.seq, $0.eventID) }) { first, _ in first }
            #expect(
                replay.events.seqs.map { bySeq[$0] } == replay.events.eventIDs.map { Optional($0) },
                "an event was stored under another seq than the one its answer named"
            )
        }
    }
}

// Issue 4, acceptance 2: a burst of webhooks, SIGKILL while answers are in flight, restart on the
// same database; every webhook that got a 2xx is there, replayable, and stored exactly once.

import BridgeCore
import Foundation
import Testing

/// Parent of the issue 4 durability suites, which start several processes each; one at a time,
/// so that they do not compete for the two cores with each other.
@Suite(.serialized, .timeLimit(.minutes(3)))
enum DurabilityTests {}

extension DurabilityTests {
    /// A crash of the server loses no acknowledged webhook and duplicates none.
    @Suite
    struct CrashRecoveryTests {
        /// Webhooks in the burst.
        static let burst = 300
        /// Kept-alive connections the burst is posted over.
        static let lanes = 4
        /// Answers after which the server is killed: most of the burst, so that one request per
        /// lane is in flight (received, maybe committed, not yet answered) and the rest unsent.
        static let killAfter = 240

        @Test(arguments: StoreEngine.enabled)
        func everyAcknowledgedWebhookSurvivesASIGKILLExactlyOnce(_ engine: StoreEngine) throws {
            let database = try engine.freshDatabase()
            let server = try BridgeProcess.start(database.overrides)
            defer {
                server.stop()
                withExtendedLifetime(database) {}
            }
            let webhooks = SignedWebhook.orders(Self.burst, prefix: "ord_crash")

            let volley = WebhookVolley(webhooks, lanes: Self.lanes, port: server.port)
            #expect(volley.waitForAnswers(Self.killAfter), "only \(volley.answered) answers:\n\(server.logTail())")
            server.kill()
            let first = try volley.answers()
            let acknowledged = first.filter(\.isSuccess)
            #expect(acknowledged.count >= Self.killAfter)
            for answer in first where answer.status != nil {
                #expect(
                    answer.status == 202 && !answer.duplicate && answer.eventID != nil && answer.seq != nil,
                    "a first send must be accepted as new: \(answer)"
                )
            }

            try server.restart()
            let replay = try server.replayFromStart()
            Self.expectComplete(replay, atLeast: acknowledged.count, atMost: Self.burst)
            let replayed = Dictionary(zip(replay.events.eventIDs, replay.events.seqs)) { first, _ in first }
            for answer in acknowledged {
                let seq = answer.eventID.flatMap { replayed[$0] }
                #expect(seq == answer.seq, "acknowledged \(answer) but replayed under seq \(String(describing: seq))")
            }

            // The upstream retries everything: acknowledged webhooks are duplicates of the stored
            // events, the others are stored now, and still nothing is stored twice.
            let retried = try WebhookVolley(webhooks, lanes: Self.lanes, port: server.port).answers()
            for (before, again) in zip(first, retried) {
                #expect(again.isSuccess, "a retry must be taken: \(again)")
                let storedBeforeTheCrash = before.isSuccess || again.eventID.map { replayed[$0] != nil } == true
                guard storedBeforeTheCrash else {
                    #expect(again.status == 202 && !again.duplicate, "never stored, so new now: \(again)")
                    continue
                }
                #expect(again.status == 200 && again.duplicate, "stored before the crash, so a duplicate: \(again)")
                #expect(again.eventID.flatMap { replayed[$0] } == again.seq, "a duplicate under another seq: \(again)")
                if before.isSuccess {
                    #expect(again.eventID == before.eventID && again.seq == before.seq, "\(before) then \(again)")
                }
            }
            let final = try server.replayFromStart()
            Self.expectComplete(final, atLeast: Self.burst, atMost: Self.burst)
            #expect(Set(final.events.eventIDs) == Set(retried.compactMap(\.eventID)))
        }

        /// Checks that `replay` holds events `1...latest`, each once, with `latest` in the bounds.
        private static func expectComplete(
            _ replay: BridgeProcess.Replay,
            atLeast lower: Int,
            atMost upper: Int,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            #expect(
                replay.latest >= Int64(lower) && replay.latest <= Int64(upper),
                "latest seq \(replay.latest), expected \(lower)...\(upper)",
                sourceLocation: sourceLocation
            )
            #expect(
                replay.events.seqs == Array(stride(from: 1, through: replay.latest, by: 1)),
                "replayed seqs are not 1...\(replay.latest): \(replay.events.other)",
                sourceLocation: sourceLocation
            )
            #expect(
                Set(replay.events.eventIDs).count == replay.events.eventIDs.count,
                "an event was replayed twice",
                sourceLocation: sourceLocation
            )
            #expect(replay.endedQuietly, "more events than announced", sourceLocation: sourceLocation)
        }
    }
}

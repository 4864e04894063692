// Resume with `since` (issue 4, acceptance 3): the missed events in order, then live ones with no
// gap and no duplicate at the seam; `reset` when a gap-free replay is impossible; order snapshots.

import BridgeCore
import Foundation
import Testing

extension HardeningTests {
    /// `subscribe` with `since` or `snapshot`.
    @Suite
    struct ResumeTests {
        /// Events that arrive while the client is away.
        static let missed = 500
        /// Events posted while, and right after, the client resumes.
        static let live = 100
        /// Events of about 6 KB each that a resuming client missed.
        static let largeEvents = 400

        @Test
        func resumeReplaysTheMissedEventsThenContinuesLiveWithoutGapOrDuplicate() throws {
            let server = try BridgeProcess.start()
            defer { server.stop() }
            let sender = WebhookSender(port: server.port)
            for index in 1...3 {
                _ = try sender.deliver(.order(order: "ord_before_\(index)"))
            }
            let token = TestJWT.make(sub: "traveller")
            let first = try TestWebSocket.connect(port: server.port, token: token)
            let since = try #require(try first.subscribeConfirmed("org")["seq"]?.integerValue)
            #expect(since == 3)
            first.disconnect()

            let missedSeqs = try WebhookBurst.post(lanes(count: Self.missed, prefix: "ord_missed"), port: server.port)
            #expect(missedSeqs.joined().sorted() == Array((since + 1)...(since + Int64(Self.missed))))

            let second = try TestWebSocket.connect(port: server.port, token: token)
            defer { second.close() }
            try second.sendJSON(["type": "subscribe", "room": "org", "since": since])
            let liveBurst = WebhookBurst.start(lanes(count: Self.live, prefix: "ord_live"), port: server.port)
            let subscribed = try second.receiveJSON()
            #expect(subscribed["type"]?.stringValue == "subscribed", "\(subscribed)")
            #expect((subscribed["seq"]?.integerValue ?? 0) >= since + Int64(Self.missed), "\(subscribed)")

            var received: [Int64] = []
            let total = Self.missed + Self.live
            while received.count < total {
                let message = try second.receive(timeout: .seconds(10))
                guard case .text(let text) = message else {
                    Issue.record("after \(received.count) events the resumed client got \(message)")
                    break
                }
                let event = PushedEvent(text)
                #expect(event?.type == "order_update", "unexpected \(text.prefix(200))")
                received.append(event?.seq ?? -1)
            }
            _ = try liveBurst.result(within: WebhookBurst.timeout)
            let extra = try second.receive(timeout: .milliseconds(500))
            #expect(extra == .timeout, "more than the missed and live events: \(extra)")
            let expected = Array((since + 1)...(since + Int64(total)))
            #expect(
                received == expected,
                "first difference: \(String(describing: zip(received, expected).first { $0 != $1 }))"
            )
        }

        @Test(arguments: ResumePoint.allCases)
        func resumeThatCannotBeGapFreeGetsReset(_ point: ResumePoint) throws {
            let server = try BridgeProcess.start(["REPLAY_MAX_EVENTS": "100"])
            defer { server.stop() }
            let seqs = try WebhookBurst.post(lanes(count: Self.missed, prefix: "ord_gone"), port: server.port)
            let latest = Int64(seqs.joined().count)

            let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
            defer { client.close() }
            try client.sendJSON(["type": "subscribe", "room": "org", "since": point.since(latest: latest)])
            let subscribed = try client.receiveJSON()
            #expect(subscribed["type"]?.stringValue == "subscribed", "\(subscribed)")
            let reset = try client.receiveJSON()
            #expect(reset["type"]?.stringValue == "reset", "\(point): expected reset, got \(reset)")
            #expect(reset["room"]?.stringValue == "org")
            #expect(reset["seq"]?.integerValue == latest, "\(reset)")

            // Live updates continue after the reset, from the seq it named.
            let next = try WebhookSender(port: server.port).deliver(.order(order: "ord_after_reset"))
            let live = try client.receiveJSON()
            #expect(live["eventId"]?.stringValue == next.eventID, "expected the next live event, got \(live)")
            #expect(live["seq"]?.integerValue == latest + 1)
        }

        @Test
        func resumeOfLargeEventsIsPacedByTheSendQueueRatherThanOverflowingIt() throws {
            let server = try BridgeProcess.start()
            defer { server.stop() }
            // 6 KB events: one replay page of 200 is more than the 1 MiB send queue holds.
            let data = #"{"note":"\#(String(repeating: "x", count: 6_000))"}"#
            let lanes = (0..<4).map { lane in
                stride(from: lane, to: Self.largeEvents, by: 4).map {
                    NativePayload.order(order: "ord_large_\($0)", data: data)
                }
            }
            let seqs = try WebhookBurst.post(lanes, port: server.port)
            #expect(seqs.joined().count == Self.largeEvents)

            let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
            defer { client.close() }
            try client.sendJSON(["type": "subscribe", "room": "org", "since": 0])
            let subscribed = try client.receiveJSON()
            #expect(subscribed["type"]?.stringValue == "subscribed", "\(subscribed)")
            var received: [Int64] = []
            while received.count < Self.largeEvents {
                let message = try client.receive(timeout: .seconds(10))
                guard case .text(let text) = message else {
                    Issue.record("after \(received.count) events the resumed client got \(message)")
                    break
                }
                received.append(PushedEvent(text)?.seq ?? -1)
            }
            #expect(received == Array(1...Int64(Self.largeEvents)))
        }

        @Test
        func anEventAsLargeAsTheWebhookLimitReachesLiveAndResumingClients() throws {
            // The default limits: a 1 MiB body, and a 1 MiB send queue that its message outgrows.
            let server = try BridgeProcess.start()
            defer { server.stop() }
            let live = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "watcher"))
            defer { live.close() }
            try live.subscribeConfirmed("org")

            let data = #"{"note":"\#(String(repeating: "x", count: 1_048_400))"}"#
            let accepted = try WebhookSender(port: server.port).deliver(.order(order: "ord_huge", data: data))
            let pushed = try live.receiveJSON(timeout: .seconds(10))
            #expect(pushed["eventId"]?.stringValue == accepted.eventID, "live: \(pushed["type"] ?? .null)")

            let resumed = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "traveller"))
            defer { resumed.close() }
            try resumed.sendJSON(["type": "subscribe", "room": "org", "since": 0])
            #expect(try resumed.receiveJSON()["type"]?.stringValue == "subscribed")
            let replayed = try resumed.receiveJSON(timeout: .seconds(10))
            #expect(replayed["eventId"]?.stringValue == accepted.eventID, "resume: \(replayed["type"] ?? .null)")
        }

        @Test
        func snapshotSendsTheLatestOrderAndItemStatesThenLiveUpdates() throws {
            let server = try BridgeProcess.start()
            defer { server.stop() }
            let sender = WebhookSender(port: server.port)
            let history: [NativePayload] = [
                .order(order: "o1", version: 1), .order(order: "o1", version: 2),
                .orderItem(order: "o1", item: "i1", version: 1), .orderItem(order: "o1", item: "i2", version: 1),
                .orderItem(order: "o1", item: "i1", version: 2), .order(order: "o2", version: 5),
                .orderItem(order: "o2", item: "i1", version: 9),
            ]
            var accepted: [AcceptedWebhook] = []
            for payload in history {
                accepted.append(try sender.deliver(payload))
            }

            let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
            defer { client.close() }
            try client.sendJSON(["type": "subscribe", "room": "order:o1", "snapshot": true])
            let subscribed = try client.receiveJSON()
            #expect(subscribed["type"]?.stringValue == "subscribed" && subscribed["room"]?.stringValue == "order:o1")
            let snapshot = try client.receiveJSON()
            #expect(snapshot["type"]?.stringValue == "snapshot", "\(snapshot)")
            #expect(snapshot["room"]?.stringValue == "order:o1")
            guard case .array(let events) = snapshot["events"] ?? .null else {
                Issue.record("snapshot without an events array: \(snapshot)")
                return
            }
            // The newest of each entity of o1: order v2 (event 2), item i2 v1 (event 4), item i1 v2 (event 5).
            let newest = Set([1, 3, 4].map { accepted[$0].eventID })
            #expect(Set(events.compactMap { $0["eventId"]?.stringValue }) == newest, "\(events)")
            #expect(events.count == newest.count, "snapshot holds \(events.count) events")
            #expect(events.allSatisfy { $0["orderId"]?.stringValue == "o1" }, "another order in the snapshot")

            let update = try sender.deliver(.order(order: "o1", version: 3))
            let live = try client.receiveJSON()
            #expect(live["eventId"]?.stringValue == update.eventID, "expected the live update, got \(live)")
            #expect(live["room"]?.stringValue == "order:o1")
        }

        /// `count` order events with distinct orders, over `WebhookBurst`'s lanes.
        private func lanes(count: Int, prefix: String) -> [[NativePayload]] {
            (0..<4).map { lane in
                stride(from: lane, to: count, by: 4).map { NativePayload.order(order: "\(prefix)_\($0)") }
            }
        }

        /// A `since` from which no gap-free replay is possible.
        enum ResumePoint: String, CaseIterable, CustomStringConvertible, Sendable {
            /// Further behind than `REPLAY_MAX_EVENTS`.
            case tooFarBehind
            /// Beyond the newest `seq` the server has (the client saw another store).
            case aheadOfTheServer

            var description: String { rawValue }

            /// The `since` to send when the organisation's newest `seq` is `latest`.
            func since(latest: Int64) -> Int64 {
                switch self {
                case .tooFarBehind: 0
                case .aheadOfTheServer: latest + 50
                }
            }
        }
    }
}

// Slow consumers: a client that stops reading while thousands of events are pushed. Its queue is
// conflated (newest state per order) or, if that is not enough, it is closed with 1013; a client
// that reads receives every event; the server's memory stays bounded.

import BridgeCore
import Foundation
import Testing

extension HardeningTests {
    /// `WS_MAX_QUEUE_BYTES` and what happens to the one who falls behind, and to everyone else.
    @Suite
    struct SlowConsumerTests {
        /// The send-queue bound the server runs with.
        static let queueBytes = 65_536
        /// The server's peak resident memory may not pass this.
        static let memoryBound = 200 * 1024 * 1024
        /// Kept-alive connections posting webhooks in parallel.
        static let lanes = 4
        /// The slow client's kernel receive buffer: small, so the server's queue fills, not the kernel's.
        static let slowReceiveBuffer: Int32 = 4096
        /// The queue bound, and heartbeats slow enough that the client who deliberately reads
        /// nothing (and so answers no ping) is not hung up on while the test runs: a hung-up
        /// socket with a full buffer drains at the pace of TCP's zero-window probes.
        static let settings = [
            "WS_MAX_QUEUE_BYTES": String(queueBytes),
            "WS_PING_INTERVAL_S": "600",
            "WS_PONG_TIMEOUT_S": "1200",
        ]
        /// Longest the slow client may take to read what it was kept.
        static let slowReadBound: Duration = .seconds(90)

        @Test
        func slowClientIsConflatedWhileAReaderReceivesAllTenThousandEvents() throws {
            let orders = 50
            let versions = 200
            let server = try BridgeProcess.start(Self.settings)
            defer { server.stop() }
            let before = try server.rejectionCounters()
            let (slow, reader) = try connectBoth(server)
            defer {
                slow.close()
                reader.close()
            }

            // Orders are spread over the lanes whole, so each order's versions go out in order.
            let lanes = (0..<Self.lanes).map { lane in
                (1...versions).flatMap { version in
                    stride(from: lane, to: orders, by: Self.lanes).map { order in
                        NativePayload.order(org: "acme", order: "ord_\(order)", version: Int64(version))
                    }
                }
            }
            let total = orders * versions
            let burst = WebhookBurst.start(lanes, port: server.port)
            let seqs = try readSeqs(reader, count: total)
            let posted = try burst.result(within: WebhookBurst.timeout)

            #expect(posted.joined().sorted() == Array(1...Int64(total)), "the webhooks' seqs are not 1...\(total)")
            expectEverySeq(seqs, total: total)
            expectMemoryWithinBound(server)

            // Only now does the slow client read: what it kept must end with every order's newest state.
            // Its buffer is widened first. With 4 KiB against the large segments of coalesced
            // writes, Linux's receiver may keep advertising a zero window, and what it kept then
            // trickles in at the pace of TCP's zero-window probes (seen once: 2,495 events in 90 s).
            try slow.setReceiveBuffer(bytes: 1 << 20)
            var newest: [String: Int64] = [:]
            var ordersAtNewest = 0
            var slowSeqs: [Int64] = []
            let slowDeadline = ContinuousClock.now + Self.slowReadBound
            while slowSeqs.count < total, ordersAtNewest < orders {
                guard ContinuousClock.now < slowDeadline else {
                    Issue.record("the slow client read only \(slowSeqs.count) events in \(Self.slowReadBound)")
                    break
                }
                let message = try slow.receive(timeout: .seconds(10))
                guard case .text(let text) = message, let event = PushedEvent(text) else {
                    Issue.record("after \(slowSeqs.count) events the slow client got \(message)")
                    break
                }
                slowSeqs.append(event.seq ?? -1)
                newest[event.orderID ?? "", default: 0] = event.version ?? -1
                if event.version == Int64(versions) { ordersAtNewest += 1 }
            }
            let extra = try slow.receive(timeout: .milliseconds(300))
            #expect(extra == .timeout, "the slow client got more after every order's newest state: \(extra)")
            #expect(slow.receivedClose == nil, "the slow client was closed: \(String(describing: slow.receivedClose))")
            #expect(slowSeqs.count < total, "the slow client received every event: nothing was conflated")
            #expect(zip(slowSeqs, slowSeqs.dropFirst()).allSatisfy { $0 < $1 }, "the slow client's seqs go backwards")
            #expect(newest.count == orders, "the slow client saw \(newest.count) of \(orders) orders")
            #expect(newest.values.allSatisfy { $0 == Int64(versions) }, "an order did not end at its newest version")
            let dropped = Int64(total - slowSeqs.count)
            try server.rejectionCounters().expectChanges(since: before, ["conflatedFrames": dropped])
        }

        @Test
        func slowClientWhoseQueueStillOverflowsIsClosedWith1013() throws {
            // Every event is another order, so conflation cannot help; 4 KiB of data per event
            // passes what the kernel buffers on loopback in a few thousand events.
            let total = 1600
            let padding = String(repeating: "x", count: 4096)
            let server = try BridgeProcess.start(Self.settings)
            defer { server.stop() }
            let before = try server.rejectionCounters()
            let (slow, reader) = try connectBoth(server)
            defer {
                slow.disconnect()
                reader.close()
            }

            let lanes = (0..<Self.lanes).map { lane in
                stride(from: lane, to: total, by: Self.lanes).map { index in
                    NativePayload.order(org: "acme", order: "ord_\(index)", data: #"{"pad":"\#(padding)"}"#)
                }
            }
            let burst = WebhookBurst.start(lanes, port: server.port)
            let seqs = try readSeqs(reader, count: total)
            _ = try burst.result(within: WebhookBurst.timeout)

            expectEverySeq(seqs, total: total)
            expectMemoryWithinBound(server)
            let ending = try slow.receiveClose(timeout: .seconds(10))
            #expect(ending.closeCode == 1013, "the overflowing client ended with \(ending)")
            try server.rejectionCounters().expectChanges(since: before, ["slowConsumerCloses": 1])
        }

        /// A client that will not read (small receive buffer) and one that will, both in `org`.
        private func connectBoth(_ server: BridgeProcess) throws -> (slow: TestWebSocket, reader: TestWebSocket) {
            var slowOptions = TestWebSocket.Options(token: TestJWT.make(sub: "slow"))
            slowOptions.receiveBufferBytes = Self.slowReceiveBuffer
            let slow = try TestWebSocket.connect(port: server.port, options: slowOptions)
            try slow.subscribeConfirmed("org")
            let reader = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "reader"))
            try reader.subscribeConfirmed("org")
            return (slow, reader)
        }

        /// Reads `count` events as fast as it can, decoding only after the last one arrived.
        private func readSeqs(_ reader: TestWebSocket, count: Int) throws -> [Int64] {
            var texts: [String] = []
            texts.reserveCapacity(count)
            while texts.count < count {
                let message = try reader.receive(timeout: .seconds(10))
                guard case .text(let text) = message else {
                    Issue.record("the reading client got \(message) after \(texts.count) events")
                    break
                }
                texts.append(text)
            }
            return texts.map { PushedEvent($0)?.seq ?? -1 }
        }

        private func expectEverySeq(
            _ seqs: [Int64],
            total: Int,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            let expected = Array(1...Int64(total))
            guard seqs != expected else { return }
            let firstWrong = zip(seqs, expected).first { $0 != $1 }
            Issue.record(
                "the reading client got \(seqs.count) events; first difference \(String(describing: firstWrong))",
                sourceLocation: sourceLocation
            )
        }

        private func expectMemoryWithinBound(
            _ server: BridgeProcess,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            guard let peak = server.peakResidentBytes() else {
                Issue.record("cannot read the server's memory", sourceLocation: sourceLocation)
                return
            }
            #expect(
                peak < Self.memoryBound,
                "peak resident memory \(peak / 1024 / 1024) MiB",
                sourceLocation: sourceLocation
            )
        }
    }
}

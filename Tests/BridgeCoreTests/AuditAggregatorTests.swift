// Per-minute aggregation: the first event of a minute is written, the rest become one summary.

import BridgeCore
import Testing

@Suite struct AuditAggregatorTests {
    /// 2024-03-14T09:21:00Z, the start of a minute.
    private static let minute: Int64 = 1_710_408_060_000

    private static func failure(from address: String = "203.0.113.9", userAgent: String = "bot") -> SecurityEvent {
        SecurityEvent(
            name: "WS_AUTH_FAILED",
            outcome: "denied",
            metadata: ["reason": "bad_signature"],
            clientIP: address,
            userAgent: userAgent,
            requestID: "r-\(address)",
            aggregationKey: address
        )
    }

    @Test func eventsWithoutAKeyAreAlwaysWritten() {
        var aggregator = AuditAggregator()
        let event = SecurityEvent(name: "NOTIFICATION_CREATED", outcome: "allowed", clientIP: "::1")
        for offset in 0..<5 {
            #expect(aggregator.admit(event, atMillis: Self.minute + Int64(offset)).count == 1)
        }
        #expect(aggregator.trackedKeys == 0)
    }

    @Test func floodFromOneSourceIsOneRecordThenOneSummaryWithItsCount() {
        var aggregator = AuditAggregator()
        var written: [AuditRecord] = []
        for second in 0..<60 {
            for _ in 0..<100 {
                written += aggregator.admit(Self.failure(), atMillis: Self.minute + Int64(second) * 1_000)
            }
        }
        #expect(written.count == 1)
        #expect(written.first?.count == 1)
        #expect(written.first?.requestID == "r-203.0.113.9")

        #expect(aggregator.expire(atMillis: Self.minute + 59_999) == [])
        let summaries = aggregator.expire(atMillis: Self.minute + 60_000)
        #expect(summaries.count == 1)
        let summary = summaries.first
        #expect(summary?.count == 5_999)
        #expect(summary?.event == "WS_AUTH_FAILED")
        #expect(summary?.atMillis == Self.minute + 60_000)
        #expect(summary?.metadata["aggregate"] == "minute")
        #expect(summary?.metadata["windowStart"] == "2024-03-14T09:21:00.000Z")
        #expect(summary?.metadata["windowEnd"] == "2024-03-14T09:22:00.000Z")
        #expect(summary?.metadata["reason"] == "bad_signature")
        #expect(summary?.requestID == nil && summary?.userAgent == nil)
        #expect(aggregator.trackedKeys == 0)
    }

    @Test func aLoneEventLeavesNoSummary() {
        var aggregator = AuditAggregator()
        #expect(aggregator.admit(Self.failure(), atMillis: Self.minute).count == 1)
        #expect(aggregator.expire(atMillis: Self.minute + 120_000) == [])
    }

    @Test func eachSourceAndEachEventNameIsCountedApart() {
        var aggregator = AuditAggregator()
        var other = Self.failure()
        other.name = "WEBHOOK_SIGNATURE_FAILED"
        let events = [Self.failure(), Self.failure(from: "198.51.100.7"), other]
        for event in events {
            #expect(aggregator.admit(event, atMillis: Self.minute).count == 1)
            #expect(aggregator.admit(event, atMillis: Self.minute + 1).isEmpty)
        }
        let summaries = aggregator.expire(atMillis: Self.minute + 60_000)
        #expect(summaries.map(\.event) == ["WEBHOOK_SIGNATURE_FAILED", "WS_AUTH_FAILED", "WS_AUTH_FAILED"])
        #expect(summaries.map(\.count) == [1, 1, 1])
    }

    @Test func theNextMinuteStartsWithAWrittenEventAfterThePreviousSummary() {
        var aggregator = AuditAggregator()
        _ = aggregator.admit(Self.failure(), atMillis: Self.minute + 59_000)
        _ = aggregator.admit(Self.failure(), atMillis: Self.minute + 59_500)
        let next = aggregator.admit(Self.failure(), atMillis: Self.minute + 60_001)
        #expect(next.map(\.count) == [1, 1])
        #expect(next.first?.metadata["aggregate"] == "minute")
        #expect(next.last?.metadata["aggregate"] == nil)
    }

    @Test func newKeysBeyondTheBoundShareOneOverflowWindow() {
        var aggregator = AuditAggregator(maxKeys: 3)
        var written: [AuditRecord] = []
        for index in 0..<50 {
            written += aggregator.admit(Self.failure(from: "10.0.0.\(index)"), atMillis: Self.minute)
        }
        #expect(aggregator.trackedKeys == 4)
        #expect(written.count == 4)
        #expect(written.last?.clientIP == AuditAggregator.overflowKey)
        #expect(written.last?.metadata["aggregationOverflow"] == "true")
        let summaries = aggregator.expire(atMillis: Self.minute + 60_000)
        #expect(summaries.map(\.count) == [46])
    }

    @Test func drainSummarisesUnfinishedWindowsAtShutdown() {
        var aggregator = AuditAggregator()
        for _ in 0..<4 {
            _ = aggregator.admit(Self.failure(), atMillis: Self.minute + 10_000)
        }
        let summaries = aggregator.drain(atMillis: Self.minute + 20_000)
        #expect(summaries.map(\.count) == [3])
        #expect(summaries.first?.atMillis == Self.minute + 20_000)
        #expect(aggregator.trackedKeys == 0)
    }

    @Test func aClockThatStepsBackCountsIntoTheOpenWindow() {
        var aggregator = AuditAggregator()
        _ = aggregator.admit(Self.failure(), atMillis: Self.minute + 30_000)
        #expect(aggregator.admit(Self.failure(), atMillis: Self.minute - 5_000).isEmpty)
        #expect(aggregator.expire(atMillis: Self.minute + 60_000).map(\.count) == [1])
    }
}

// The loop-to-worker queue of recipient counts: filtering, bounding, waking.

import BridgeCore
import Synchronization
import Testing

@Suite("Delivery report queue")
struct DeliveryReportQueueTests {
    @Test("Counts of acknowledged sources are kept in order; others are ignored")
    func keepsAcknowledgedSources() {
        let queue = DeliveryReportQueue(sources: ["shop"], now: { 42 })
        queue.pushed(eventID: "e1", sourceID: "shop", recipients: 2)
        queue.pushed(eventID: "e2", sourceID: "pos", recipients: 5)
        queue.pushed(eventID: "e3", sourceID: "shop", recipients: 0)
        let drained = queue.drain()
        #expect(drained.reports.map(\.eventID) == ["e1", "e3"])
        #expect(drained.reports.map(\.recipients) == [2, 0])
        #expect(drained.reports.allSatisfy { $0.pushedAtMillis == 42 })
        #expect(drained.dropped == 0)
        #expect(queue.drain().reports.isEmpty)
    }

    @Test("A full queue drops counts and says how many")
    func boundedQueueDrops() {
        let queue = DeliveryReportQueue(sources: ["shop"], capacity: 2, now: { 0 })
        for index in 0..<5 {
            queue.pushed(eventID: "e\(index)", sourceID: "shop", recipients: 1)
        }
        let drained = queue.drain()
        #expect(drained.reports.map(\.eventID) == ["e0", "e1"])
        #expect(drained.dropped == 3)
        #expect(queue.drain().dropped == 0)
    }

    @Test("The worker is woken when the queue stops being empty, not for every count")
    func wakesOncePerBatch() {
        let queue = DeliveryReportQueue(sources: ["shop"], now: { 0 })
        let wakes = Mutex(0)
        queue.onReport { wakes.withLock { $0 += 1 } }
        for index in 0..<3 {
            queue.pushed(eventID: "e\(index)", sourceID: "shop", recipients: 1)
        }
        #expect(wakes.withLock { $0 } == 1)
        _ = queue.drain()
        queue.pushed(eventID: "e9", sourceID: "shop", recipients: 1)
        #expect(wakes.withLock { $0 } == 2)
        queue.onReport(nil)
        _ = queue.drain()
        queue.pushed(eventID: "e10", sourceID: "shop", recipients: 1)
        #expect(wakes.withLock { $0 } == 2)
    }
}

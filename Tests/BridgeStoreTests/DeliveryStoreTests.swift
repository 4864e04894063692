// The shared suite for the acknowledgement outbox: queueing, claiming, finishing, dead letters.

import BridgeCore
import BridgeStore
import Foundation
import Synchronization
import Testing

@Suite("Delivery outbox")
struct DeliveryStoreTests {
    /// A time safely after every row a test writes (rows are stamped with the wall clock).
    static func later(byMillis extra: Int64 = 60_000) -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1000) + extra
    }

    /// A claim of up to 10 rows per source for `sources`, all due rows counting as reported.
    static func claim(
        _ token: String,
        sources: [String] = ["shop"],
        at now: Int64 = later(),
        graceOver: Bool = true,
        perSource: Int = 10,
        limit: Int = 100
    ) -> DeliveryClaimRequest {
        DeliveryClaimRequest(
            token: token,
            nowMillis: now,
            leaseMillis: 30_000,
            unreportedBeforeMillis: graceOver ? now : 0,
            quotas: Dictionary(uniqueKeysWithValues: sources.map { ($0, perSource) }),
            limit: limit
        )
    }

    /// Runs `body` with the store as an outbox.
    static func withOutbox(
        _ factory: StoreFactory,
        _ body: (any StoreUnderTest & DeliveryStore) throws -> Void
    ) throws {
        try factory.withStore { store in
            let outbox = try #require(store as? any StoreUnderTest & DeliveryStore, "\(factory.name) has no outbox")
            try body(outbox)
        }
    }

    @Test(
        "Each outcome of an acknowledged source queues one row; other sources queue none",
        arguments: StoreFactory.all
    )
    func outcomesQueueRows(factory: StoreFactory) throws {
        try Self.withOutbox(factory) { store in
            let current = EventFixture.incoming(org: "org-a", version: 2, data: #"{"v":2}"#, webhook: "wh-1")
            let old = EventFixture.incoming(org: "org-a", version: 1, data: #"{"v":1}"#, webhook: "wh-2")
            let rival = EventFixture.incoming(org: "org-a", version: 2, data: #"{"v":"x"}"#, webhook: "wh-3")
            let again = EventFixture.incoming(org: "org-b", webhook: "wh-1")
            let unacknowledged = EventFixture.incoming(source: "pos", webhook: "wh-9")
            let outcomes = try store.append([current, old, rival, again, unacknowledged], outboxFor: ["shop"])
            #expect(outcomes.count == 5)

            let rows = try store.deliveries(orgID: nil, status: nil, limit: 10)
            let summary = rows.map { row in
                "\(row.webhookID) \(row.outcome.rawValue) \(row.orgID) \(String(describing: row.recipients))"
            }.sorted()
            #expect(
                summary == [
                    "wh-1 delivered org-a nil",
                    "wh-1 duplicate org-a Optional(0)",
                    "wh-2 stale org-a Optional(0)",
                    "wh-3 stale org-a Optional(0)",
                ]
            )
            #expect(rows.allSatisfy { $0.status == .pending && $0.attempts == 0 && $0.sourceID == "shop" })
            #expect(
                rows.first { $0.outcome == .delivered }?.id
                    == Delivery.id(eventID: current.eventID, outcome: .delivered)
            )
            #expect(rows.first { $0.outcome == .duplicate }?.eventID == current.eventID)
        }
    }

    @Test("A duplicate that keeps arriving queues its acknowledgement once", arguments: StoreFactory.all)
    func repeatedDuplicateQueuesOnce(factory: StoreFactory) throws {
        try Self.withOutbox(factory) { store in
            _ = try store.append([EventFixture.incoming(webhook: "wh-1")], outboxFor: ["shop"])
            for _ in 0..<3 {
                _ = try store.append([EventFixture.incoming(webhook: "wh-1")], outboxFor: ["shop"])
            }
            let outcomes = try store.deliveries(orgID: nil, status: nil, limit: 10).map(\.outcome)
            #expect(outcomes.sorted { $0.rawValue < $1.rawValue } == [.delivered, .duplicate])
        }
    }

    @Test("Plain append queues nothing", arguments: StoreFactory.all)
    func plainAppendQueuesNothing(factory: StoreFactory) throws {
        try Self.withOutbox(factory) { store in
            _ = try store.append([EventFixture.incoming()])
            #expect(try store.deliveries(orgID: nil, status: nil, limit: 10).isEmpty)
            #expect(try store.deliveryCounts() == [:])
        }
    }

    @Test("A pushed event's row waits for its count or the grace period", arguments: StoreFactory.all)
    func deliveredRowsWaitForTheirCount(factory: StoreFactory) throws {
        try Self.withOutbox(factory) { store in
            let event = EventFixture.incoming()
            _ = try store.append([event], outboxFor: ["shop"])

            #expect(try store.claimDeliveries(Self.claim("t1", graceOver: false)).isEmpty)
            try store.recordRecipients([DeliveryReport(eventID: event.eventID, recipients: 3, pushedAtMillis: 1_234)])
            let claimed = try store.claimDeliveries(Self.claim("t1", graceOver: false))
            #expect(claimed.map(\.recipients) == [3])
            #expect(claimed.map(\.deliveredAtMillis) == [1_234])

            let other = EventFixture.incoming()
            _ = try store.append([other], outboxFor: ["shop"])
            let late = try store.claimDeliveries(Self.claim("t2", graceOver: true))
            #expect(late.map(\.eventID) == [other.eventID])
            #expect(late.map(\.recipients) == [nil])
        }
    }

    @Test("A claimed row is nobody else's until its lease ends", arguments: StoreFactory.all)
    func claimsAreExclusiveUntilTheLeaseEnds(factory: StoreFactory) throws {
        try Self.withOutbox(factory) { store in
            _ = try store.append((0..<3).map { _ in EventFixture.incoming(version: nil) }, outboxFor: ["shop"])
            let now = Self.later()
            let first = try store.claimDeliveries(Self.claim("a", at: now))
            #expect(first.count == 3)
            #expect(try store.claimDeliveries(Self.claim("b", at: now + 29_999)).isEmpty)

            let afterLease = try store.claimDeliveries(Self.claim("b", at: now + 30_000))
            #expect(Set(afterLease.map(\.id)) == Set(first.map(\.id)))
            let stale = DeliveryAttemptRecord(
                id: first[0].id,
                token: "a",
                attempts: 1,
                status: .sent,
                nextAttemptAtMillis: now,
                httpStatus: 200,
                error: nil,
                nowMillis: now
            )
            #expect(try store.finishAttempt(stale) == false)
            #expect(try store.delivery(id: first[0].id, orgID: nil)?.status == .pending)
        }
    }

    @Test("Quotas cap the rows per source and leave unlisted sources alone", arguments: StoreFactory.all)
    func quotasCapRowsPerSource(factory: StoreFactory) throws {
        try Self.withOutbox(factory) { store in
            let batch =
                (0..<4).map { _ in EventFixture.incoming(source: "shop") }
                + (0..<4).map { _ in EventFixture.incoming(source: "pos") }
                + (0..<2).map { _ in EventFixture.incoming(source: "erp") }
            _ = try store.append(batch, outboxFor: ["shop", "pos", "erp"])

            var request = Self.claim("q", sources: ["shop", "pos"], perSource: 3)
            request.quotas["pos"] = 1
            let claimed = try store.claimDeliveries(request)
            let perSource = Dictionary(grouping: claimed, by: \.sourceID).mapValues(\.count)
            #expect(perSource == ["shop": 3, "pos": 1])

            let capped = try store.claimDeliveries(Self.claim("r", sources: ["shop", "pos", "erp"], limit: 2))
            #expect(capped.count == 2)
        }
    }

    @Test("A retry is due when its time comes; a released row at once", arguments: StoreFactory.all)
    func retriesAndReleases(factory: StoreFactory) throws {
        try Self.withOutbox(factory) { store in
            _ = try store.append([EventFixture.incoming(), EventFixture.incoming()], outboxFor: ["shop"])
            let now = Self.later()
            let claimed = try store.claimDeliveries(Self.claim("a", at: now))
            #expect(claimed.count == 2)
            let retry = DeliveryAttemptRecord(
                id: claimed[0].id,
                token: "a",
                attempts: 1,
                status: .pending,
                nextAttemptAtMillis: now + 5_000,
                httpStatus: 500,
                error: "HTTP 500",
                nowMillis: now
            )
            #expect(try store.finishAttempt(retry))
            try store.releaseDeliveries(ids: [claimed[1].id], token: "a")

            #expect(try store.claimDeliveries(Self.claim("b", at: now)).map(\.id) == [claimed[1].id])
            let due = try store.claimDeliveries(Self.claim("c", at: now + 5_000))
            #expect(due.map(\.id) == [claimed[0].id])
            #expect(due.first?.attempts == 1)
            #expect(due.first?.lastHTTPStatus == 500)
            #expect(due.first?.lastError == "HTTP 500")
        }
    }

    @Test("Dead letters are listed per organisation and can be retried", arguments: StoreFactory.all)
    func deadLettersAreListedAndRetried(factory: StoreFactory) throws {
        try Self.withOutbox(factory) { store in
            let batch = ["org-a", "org-a", "org-b"].map { EventFixture.incoming(org: $0) }
            _ = try store.append(batch, outboxFor: ["shop"])
            let now = Self.later()
            for row in try store.claimDeliveries(Self.claim("a", at: now)) {
                let dead = DeliveryAttemptRecord(
                    id: row.id,
                    token: "a",
                    attempts: 12,
                    status: .failed,
                    nextAttemptAtMillis: now,
                    httpStatus: nil,
                    error: "Timeout was reached",
                    nowMillis: now
                )
                #expect(try store.finishAttempt(dead))
            }
            #expect(try store.deliveryCounts() == [.failed: 3])
            let orgA = try store.deliveries(orgID: "org-a", status: .failed, limit: 10)
            #expect(orgA.count == 2)
            #expect(try store.deliveries(orgID: "org-a", status: .pending, limit: 10).isEmpty)
            #expect(try store.deliveries(orgID: nil, status: .failed, limit: 1).count == 1)

            let target = try #require(orgA.first)
            #expect(try store.retryDelivery(id: target.id, orgID: "org-b", nowMillis: now) == false)
            #expect(try store.retryDelivery(id: target.id, orgID: "org-a", nowMillis: now))
            #expect(try store.retryDelivery(id: target.id, orgID: "org-a", nowMillis: now) == false)
            let revived = try #require(try store.delivery(id: target.id, orgID: nil))
            #expect(revived.status == .pending)
            #expect(revived.attempts == 0)
            #expect(try store.delivery(id: target.id, orgID: "org-b") == nil)

            #expect(try store.retryFailedDeliveries(orgID: "org-b", nowMillis: now) == 1)
            #expect(try store.retryFailedDeliveries(orgID: nil, nowMillis: now) == 1)
            #expect(try store.deliveryCounts() == [.pending: 3])
            #expect(try store.claimDeliveries(Self.claim("b", at: now)).count == 3)
        }
    }

    @Test("Retention deletes old sent rows and keeps pending and failed ones", arguments: StoreFactory.all)
    func retentionDeletesOnlySentRows(factory: StoreFactory) throws {
        try Self.withOutbox(factory) { store in
            _ = try store.append((0..<5).map { _ in EventFixture.incoming() }, outboxFor: ["shop"])
            let now = Self.later()
            let claimed = try store.claimDeliveries(Self.claim("a", at: now))
            #expect(claimed.count == 5)
            for (row, status) in zip(claimed, [DeliveryStatus.sent, .sent, .sent, .failed]) {
                let record = DeliveryAttemptRecord(
                    id: row.id,
                    token: "a",
                    attempts: 1,
                    status: status,
                    nextAttemptAtMillis: now,
                    httpStatus: status == .sent ? 204 : 410,
                    error: status == .sent ? nil : "HTTP 410",
                    nowMillis: now
                )
                #expect(try store.finishAttempt(record))
            }
            try store.releaseDeliveries(ids: [claimed[4].id], token: "a")

            #expect(try store.deleteSentDeliveries(createdBeforeMillis: now - 3_600_000, batchSize: 2) == 0)
            #expect(try store.deliveryCounts() == [.sent: 3, .failed: 1, .pending: 1])
            #expect(try store.deleteSentDeliveries(createdBeforeMillis: now, batchSize: 2) == 3)
            #expect(try store.deliveryCounts() == [.failed: 1, .pending: 1])
            #expect(try store.delivery(id: claimed[0].id, orgID: nil) == nil)
            #expect(try store.delivery(id: claimed[3].id, orgID: nil)?.status == .failed)
            #expect(throws: StoreError.self) {
                try store.deleteSentDeliveries(createdBeforeMillis: now, batchSize: 0)
            }
        }
    }

    @Test("Two stores on one database claiming at once never share a row", arguments: StoreFactory.all)
    func concurrentClaimsAreDisjoint(factory: StoreFactory) throws {
        try factory.withDatabase { database in
            let stores = try (0..<2).map { _ in
                try #require(try database.open() as? any StoreUnderTest & DeliveryStore)
            }
            defer {
                for store in stores { store.close() }
            }
            let rows = 120
            _ = try stores[0].append((0..<rows).map { _ in EventFixture.incoming() }, outboxFor: ["shop"])

            let now = Self.later()
            let claimed = Mutex<[String]>([])
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 4) { worker in
                let store = stores[worker % 2]
                for round in 0..<20 {
                    do {
                        let request = Self.claim("w\(worker)-\(round)", at: now, perSource: 7, limit: 7)
                        let ids = try store.claimDeliveries(request).map(\.id)
                        claimed.withLock { $0 += ids }
                    } catch {
                        failures.withLock { $0.append(String(describing: error)) }
                    }
                }
            }
            #expect(failures.withLock { $0 } == [])
            let ids = claimed.withLock { $0 }
            #expect(ids.count == rows)
            #expect(Set(ids).count == rows)
        }
    }
}

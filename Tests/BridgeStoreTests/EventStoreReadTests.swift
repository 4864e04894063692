// The shared suite, part 2: reading events back, durability, retention and snapshots.

import BridgeCore
import BridgeStore
import Testing

@Suite("Reading and keeping events")
struct EventStoreReadTests {
    @Test("events(afterSeq:limit:) pages through one organisation in seq order", arguments: StoreFactory.all)
    func pagingFollowsSeq(factory: StoreFactory) throws {
        try factory.withStore { store in
            let batch = (0..<10).map { EventFixture.incoming(org: $0 % 3 == 0 ? "org-b" : "org-a") }
            _ = try store.append(batch)
            // 0, 3, 6 and 9 went to org-b, leaving six in org-a.
            let pages = try [0, 4].map { try store.events(orgID: "org-a", afterSeq: $0, limit: 4) }

            #expect(pages.map { $0.compactMap(\.seq) } == [[1, 2, 3, 4], [5, 6]])
            #expect(pages.joined().allSatisfy { $0.event.orgID == "org-a" })
            #expect(try store.events(orgID: "org-a", afterSeq: 6, limit: 4) == [])
            #expect(try store.events(orgID: "org-a", afterSeq: -5, limit: 1).map(\.seq) == [1])
            #expect(try store.events(orgID: "org-a", afterSeq: 0, limit: 0) == [])
            #expect(try store.events(orgID: "org-none", afterSeq: 0, limit: 10) == [])
        }
    }

    @Test("A negative limit is refused rather than read as no limit", arguments: StoreFactory.all)
    func negativeLimitIsRefused(factory: StoreFactory) throws {
        try factory.withStore { store in
            _ = try store.append([EventFixture.incoming()])
            let error = #expect(throws: StoreError.self) {
                try store.events(orgID: "org-a", afterSeq: 0, limit: -1)
            }
            #expect(error?.code == .failed)
        }
    }

    @Test("Events, sequences, versions and webhook ids survive closing and reopening", arguments: StoreFactory.all)
    func eventsSurviveReopen(factory: StoreFactory) throws {
        try factory.withDatabase { database in
            let first = EventFixture.incoming(version: 3, webhook: "wh-1")
            let second = EventFixture.incoming(org: "org-b")
            let store = try database.open()
            _ = try store.append([first, second])
            store.close()

            let reopened = try database.open()
            defer { reopened.close() }
            #expect(try reopened.events(orgID: "org-a", afterSeq: 0, limit: 10) == [StoredEvent(first, seq: 1)])
            #expect(try reopened.latestSeq(orgID: "org-b") == 1)
            let outcomes = try reopened.append([
                EventFixture.incoming(webhook: "wh-1"),
                EventFixture.incoming(version: 2),
                EventFixture.incoming(version: 4),
            ])
            #expect(outcomes.first == .duplicate(eventID: first.eventID, seq: 1))
            #expect(outcomes.map(\.acceptedSeq) == [nil, nil, 2])
        }
    }

    @Test("Retention deletes only events received before the cut, in batches", arguments: StoreFactory.all)
    func retentionDeletesOldEvents(factory: StoreFactory) throws {
        try factory.withStore { store in
            let times: [Int64] = [1_000, 1_500, 2_000, 2_499, 2_500, 3_000]
            let batch = times.map { EventFixture.incoming(version: $0, receivedAt: $0) }
            _ = try store.append(batch)

            #expect(try store.deleteEvents(receivedBeforeMillis: 2_500, batchSize: 3) == 4)
            #expect(try store.deleteEvents(receivedBeforeMillis: 2_500, batchSize: 3) == 0)
            let left = try store.events(orgID: "org-a", afterSeq: 0, limit: 10)
            #expect(left.map(\.receivedAtMillis) == [2_500, 3_000])
            #expect(left.map(\.seq) == [5, 6])

            // Sequences and versions outlive the rows: numbering goes on, old versions stay stale.
            let after = try store.append([
                EventFixture.incoming(version: 1_000, receivedAt: 4_000),
                EventFixture.incoming(version: 3_001, receivedAt: 4_000),
            ])
            #expect(after.map(\.acceptedSeq) == [nil, 7])
        }
    }

    @Test("Retention refuses a batch size below one", arguments: StoreFactory.all, [0, -1])
    func retentionRefusesBadBatchSize(factory: StoreFactory, batchSize: Int) throws {
        try factory.withStore { store in
            let error = #expect(throws: StoreError.self) {
                try store.deleteEvents(receivedBeforeMillis: 1, batchSize: batchSize)
            }
            #expect(error?.code == .failed)
        }
    }

    @Test("latestEntities gives the newest pushed event of an order and of each item", arguments: StoreFactory.all)
    func latestEntitiesOfAnOrder(factory: StoreFactory) throws {
        try factory.withStore { store in
            let orderV2 = EventFixture.incoming(version: 2, data: #"{"status":"paid"}"#)
            let item1V3 = EventFixture.incoming(item: "item-1", version: 3)
            let item2Unversioned = EventFixture.incoming(item: "item-2", action: .deleted, version: nil)
            _ = try store.append([
                EventFixture.incoming(version: 1),
                EventFixture.incoming(item: "item-1", version: 1),
                orderV2,
                EventFixture.incoming(item: "item-2", version: 1),
                item1V3,
                EventFixture.incoming(item: "item-1", version: 2),
                EventFixture.incoming(version: 2, data: #"{"status":"refunded"}"#),
                item2Unversioned,
                EventFixture.incoming(order: "order-2", version: 9),
                EventFixture.incoming(org: "org-b", version: 9),
            ])

            let latest = try store.latestEntities(orgID: "org-a", orderID: "order-1")
            let expected = [
                StoredEvent(orderV2, seq: 3), StoredEvent(item1V3, seq: 5), StoredEvent(item2Unversioned, seq: 6),
            ]
            #expect(latest == expected)
            #expect(try store.latestEntities(orgID: "org-a", orderID: "order-missing") == [])
            #expect(try store.latestEntities(orgID: "org-b", orderID: "order-2") == [])
        }
    }
}

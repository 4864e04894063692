// Appending on PostgreSQL: the all-accepted round trips, falling back per event, and failing commits.

import BridgeCore
import Foundation
import Synchronization
import Testing

@testable import BridgeStore

@Suite(
    "PostgreSQL batch appends",
    .needsPostgres,
    .timeLimit(.minutes(1))
)
struct PostgresBatchAppendTests {
    @Test("A batch whose events are all accepted takes two round trips, whatever its size", arguments: [1, 8, 64])
    func allAcceptedRoundTrips(size: Int) throws {
        try withStore { store, _ in
            let batch = (0..<size).map { index in
                EventFixture.incoming(org: "org-\(index % 3)", order: "order-\(index)", version: Int64(index % 2))
            }
            let (outcomes, trips) = try roundTrips(of: store) { try store.append(batch, outboxFor: ["shop"]) }

            #expect(trips == 2)
            #expect(outcomes.allSatisfy { $0.acceptedSeq != nil })
            for org in Set(batch.map(\.event.orgID)) {
                let count = batch.filter { $0.event.orgID == org }.count
                #expect(
                    try store.events(orgID: org, afterSeq: 0, limit: 100).compactMap(\.seq) == Array(1...Int64(count))
                )
            }
            #expect(try store.deliveries(orgID: nil, status: nil, limit: 200).count == size)

            // The next batch's inserts read the numbers the first one left, in the same round trip.
            let next = batch.map { EventFixture.incoming(org: $0.event.orgID, order: $0.event.orderID) }
            let more = try store.append(next)
            for org in Set(batch.map(\.event.orgID)) {
                let count = Int64(batch.filter { $0.event.orgID == org }.count)
                let seqs = zip(next, more).filter { $0.0.event.orgID == org }.compactMap { $0.1.acceptedSeq }
                #expect(seqs == Array((count + 1)...(2 * count)))
                #expect(try store.latestSeq(orgID: org) == 2 * count)
            }
        }
    }

    @Test("A duplicate inside a batch sends it down the per-event path, with the same outcomes and no gap")
    func duplicateInsideBatch() throws {
        try withStore { store, _ in
            let first = EventFixture.incoming(webhook: "wh-1")
            let again = EventFixture.incoming(webhook: "wh-1")
            let batch = [first, EventFixture.incoming(), again, EventFixture.incoming()]
            let (outcomes, trips) = try roundTrips(of: store) { try store.append(batch, outboxFor: ["shop"]) }

            #expect(trips > 2)
            #expect(outcomes.map(\.acceptedSeq) == [1, 2, nil, 3])
            #expect(outcomes[2] == .duplicate(eventID: first.eventID, seq: 1))
            #expect(try store.events(orgID: "org-a", afterSeq: 0, limit: 10).compactMap(\.seq) == [1, 2, 3])
            #expect(try store.latestSeq(orgID: "org-a") == 3)
            // One acknowledgement per event, the duplicate's included; nothing left over from the bet.
            #expect(try store.deliveries(orgID: nil, status: nil, limit: 100).count == 4)
        }
    }

    @Test("Two rising versions of one entity in a batch are accepted in two round trips")
    func twoVersionsOfOneEntity() throws {
        try withStore { store, _ in
            let batch = [
                EventFixture.incoming(item: "item-1", version: 1, data: #"{"v":1}"#),
                EventFixture.incoming(item: "item-1", version: 2, data: #"{"v":2}"#),
            ]
            let (outcomes, trips) = try roundTrips(of: store) { try store.append(batch) }
            #expect(trips == 2)
            #expect(outcomes.map(\.acceptedSeq) == [1, 2])

            let rival = EventFixture.incoming(item: "item-1", version: 3, data: #"{"v":"a"}"#)
            let clash = EventFixture.incoming(item: "item-1", version: 3, data: #"{"v":"b"}"#)
            let older = EventFixture.incoming(item: "item-1", version: 2, data: #"{"v":2}"#)
            let later = try store.append([rival, clash, older])
            #expect(
                later == [
                    .accepted(StoredEvent(rival, seq: 3)),
                    .conflict(eventID: clash.eventID),
                    .stale(eventID: older.eventID),
                ]
            )
        }
    }

    @Test("A stale event in a batch undoes the bet's version claims; the others keep their outcomes")
    func staleEventInBatch() throws {
        try withStore { store, _ in
            _ = try store.append([EventFixture.incoming(order: "order-1", version: 5)])

            // order-2's claim is made on the bet and must be undone with it, then made again.
            let batch = [
                EventFixture.incoming(order: "order-2", version: 7),
                EventFixture.incoming(order: "order-1", version: 4),
                EventFixture.incoming(order: "order-3", version: 1),
            ]
            let outcomes = try store.append(batch)
            #expect(outcomes.map(\.acceptedSeq) == [2, nil, 3])
            #expect(outcomes[1] == .stale(eventID: batch[1].eventID))

            let next = try store.append([
                EventFixture.incoming(order: "order-2", version: 6),
                EventFixture.incoming(order: "order-2", version: 8),
            ])
            #expect(next.map(\.acceptedSeq) == [nil, 4])
            #expect(try store.latestSeq(orgID: "org-a") == 4)
        }
    }

    @Test("A COMMIT the server refuses fails the batch, stores none of it, and the store carries on")
    func refusedCommit() throws {
        try withStore { store, database in
            try database.withConnection {
                try $0.executeScript(Self.triggerAtCommit("RAISE EXCEPTION 'refused at commit';"))
            }
            _ = try store.append([EventFixture.incoming()])

            let error = #expect(throws: StoreError.self) {
                try store.append([EventFixture.incoming(), EventFixture.incoming(webhook: Self.fatalWebhook)])
            }
            #expect(error?.code == .failed)
            #expect(try store.latestSeq(orgID: "org-a") == 1)

            let after = try store.append([EventFixture.incoming()])
            #expect(after.map(\.acceptedSeq) == [2])
            #expect(try store.events(orgID: "org-a", afterSeq: 0, limit: 10).compactMap(\.seq) == [1, 2])
        }
    }

    @Test("A connection lost during COMMIT is unavailable, not retried, and the store reconnects")
    func connectionLostDuringCommit() throws {
        try withStore { store, database in
            let terminate = "PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5);"
            try database.withConnection { try $0.executeScript(Self.triggerAtCommit(terminate)) }

            let error = #expect(throws: StoreError.self) {
                try store.append([EventFixture.incoming(), EventFixture.incoming(webhook: Self.fatalWebhook)])
            }
            #expect(error?.code == .unavailable)

            let after = try store.append([EventFixture.incoming()])
            #expect(after.map(\.acceptedSeq) == [1])
        }
    }

    @Test("Two instances mixing all-accepted batches and batches with duplicates stay gap-free")
    func mixedBatchesAcrossInstances() throws {
        let threads = 4
        let rounds = 12
        let database = try PostgresTestDatabase()
        defer { database.destroy() }
        let stores = try [PostgresStore(url: database.url), PostgresStore(url: database.url)]
        defer {
            for store in stores {
                store.close()
            }
        }

        let accepted = Mutex<[Int64]>([])
        let problems = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for round in 0..<rounds {
                var batch = (0..<5).map { _ in EventFixture.incoming(org: "org-x") }
                // Every other batch repeats a webhook of its own, or one another thread sends too.
                if round.isMultiple(of: 2) {
                    batch.append(EventFixture.incoming(org: "org-x", webhook: batch[0].webhookID))
                    batch.append(EventFixture.incoming(org: "org-x", webhook: "shared-\(round)"))
                }
                do {
                    let outcomes = try stores[thread % stores.count].append(batch)
                    let duplicates = outcomes.filter { $0.acceptedSeq == nil }.count
                    if duplicates > (round.isMultiple(of: 2) ? 2 : 0) {
                        problems.withLock { $0.append("round \(round): \(outcomes)") }
                    }
                    accepted.withLock { $0 += outcomes.compactMap(\.acceptedSeq) }
                } catch {
                    problems.withLock { $0.append("thread \(thread), round \(round) failed: \(error)") }
                }
            }
        }

        #expect(problems.withLock { $0 } == [])
        let numbers = accepted.withLock { $0.sorted() }
        // 5 fresh events a batch, plus each shared webhook accepted once.
        #expect(numbers.count == threads * rounds * 5 + rounds / 2)
        #expect(numbers == Array(1...Int64(numbers.count)))
        #expect(try stores[1].events(orgID: "org-x", afterSeq: 0, limit: 1_000).compactMap(\.seq) == numbers)
        #expect(try stores[0].latestSeq(orgID: "org-x") == numbers.last)
    }

    /// The webhook id the commit-time trigger acts on.
    static let fatalWebhook = "fatal-at-commit"

    /// SQL for a trigger that runs `action` at `COMMIT` for an event with `fatalWebhook`.
    static func triggerAtCommit(_ action: String) -> String {
        """
        CREATE FUNCTION at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.webhook_id = '\(fatalWebhook)' THEN
                \(action)
            END IF;
            RETURN NULL;
        END $$;
        CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT ON events
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION at_commit();
        """
    }

    /// What `body` returned and how many round trips it took on the store's one connection.
    private func roundTrips<Result>(
        of store: PostgresStore,
        _ body: () throws -> Result
    ) throws -> (Result, Int) {
        let before = try store.pool.withConnection { $0.roundTrips }
        let result = try body()
        let after = try store.pool.withConnection { $0.roundTrips }
        return (result, after - before)
    }

    /// Runs `body` with a one-connection store on a new database.
    private func withStore(_ body: (PostgresStore, PostgresTestDatabase) throws -> Void) throws {
        let database = try PostgresTestDatabase()
        defer { database.destroy() }
        let store = try PostgresStore(url: database.url, poolSize: 1)
        defer { store.close() }
        try body(store, database)
    }
}

// Two bridge instances sharing one PostgreSQL: numbering and duplicates under real races.

import BridgeCore
import Foundation
import Synchronization
import Testing

@testable import BridgeStore

@Suite(
    "PostgreSQL shared by several instances",
    .needsPostgres,
    .timeLimit(.minutes(1))
)
struct PostgresConcurrencyTests {
    @Test("Two instances, two threads each, appending interleaved batches get gap-free, unique seqs")
    func interleavedBatchesAcrossInstances() throws {
        let threads = 4
        let batchesPerThread = 15
        let eventsPerBatch = 8

        try withTwoInstances { stores throws in
            let seqs = Mutex<[String: [Int64]]>([:])
            let problems = Mutex<[String]>([])

            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                let store = stores[thread % stores.count]
                do {
                    for round in 0..<batchesPerThread {
                        // One org-y event first or last: batches lock their organisations in
                        // opposite orders of appearance, which must neither deadlock nor fail.
                        var batch = (0..<eventsPerBatch).map { _ in EventFixture.incoming(org: "org-x") }
                        let other = EventFixture.incoming(org: "org-y")
                        if (thread + round).isMultiple(of: 2) {
                            batch.insert(other, at: 0)
                        } else {
                            batch.append(other)
                        }
                        let outcomes = try store.append(batch)
                        guard outcomes.allSatisfy({ $0.acceptedSeq != nil }) else {
                            problems.withLock { $0.append("not every event was accepted: \(outcomes)") }
                            continue
                        }
                        seqs.withLock { seqs in
                            for (incoming, outcome) in zip(batch, outcomes) {
                                seqs[incoming.event.orgID, default: []].append(outcome.acceptedSeq ?? 0)
                            }
                        }
                    }
                } catch {
                    problems.withLock { $0.append("thread \(thread) failed: \(error)") }
                }
            }

            #expect(problems.withLock { $0 } == [])
            let expected = [
                "org-x": Array(1...Int64(threads * batchesPerThread * eventsPerBatch)),
                "org-y": Array(1...Int64(threads * batchesPerThread)),
            ]
            #expect(seqs.withLock { $0.mapValues { $0.sorted() } } == expected)
            for (orgID, numbers) in expected {
                for store in stores {
                    #expect(try store.latestSeq(orgID: orgID) == numbers.last)
                    let stored = try store.events(orgID: orgID, afterSeq: 0, limit: numbers.count + 1)
                    #expect(stored.compactMap(\.seq) == numbers)
                    #expect(Set(stored.map(\.eventID)).count == numbers.count)
                }
            }
        }
    }

    @Test("A webhook id racing in through both instances is accepted once; the other gets the first answer")
    func racingDuplicateAcrossInstances() throws {
        let rounds = 20
        try withTwoInstances { stores throws in
            let outcomes = Mutex<[Int: [AppendOutcome]]>([:])
            let problems = Mutex<[String]>([])

            for round in 0..<rounds {
                DispatchQueue.concurrentPerform(iterations: stores.count) { index in
                    do {
                        let result = try stores[index].append([EventFixture.incoming(webhook: "race-\(round)")])
                        outcomes.withLock { $0[round, default: []] += result }
                    } catch {
                        problems.withLock { $0.append("round \(round), instance \(index) failed: \(error)") }
                    }
                }
            }

            #expect(problems.withLock { $0 } == [])
            for round in 0..<rounds {
                let pair = outcomes.withLock { $0[round] ?? [] }
                let accepted = pair.compactMap { outcome -> StoredEvent? in
                    if case .accepted(let stored) = outcome { return stored }
                    return nil
                }
                #expect(accepted.count == 1, "round \(round): \(pair)")
                if let first = accepted.first {
                    #expect(pair.contains(.duplicate(eventID: first.eventID, seq: first.seq)), "round \(round)")
                }
            }
            // Duplicates spent no number.
            #expect(try stores[0].latestSeq(orgID: "org-a") == Int64(rounds))
        }
    }

    @Test("Batches of two organisations racing on the same webhook ids in opposite orders all succeed")
    func crossedDuplicatesAcrossOrganisations() throws {
        let rounds = 10
        try withTwoInstances { stores throws in
            let outcomes = Mutex<[String: [AppendOutcome]]>([:])
            let problems = Mutex<[String]>([])

            for round in 0..<rounds {
                let webhooks = ["cross-\(round)-a", "cross-\(round)-b"]
                DispatchQueue.concurrentPerform(iterations: stores.count) { index in
                    // Each instance writes its own organisation, the webhook ids in its own order.
                    let ordered = index == 0 ? webhooks : webhooks.reversed()
                    let batch = ordered.map { EventFixture.incoming(org: "org-\(index)", webhook: $0) }
                    do {
                        let result = try stores[index].append(batch)
                        outcomes.withLock { all in
                            for (webhook, outcome) in zip(ordered, result) {
                                all[webhook, default: []].append(outcome)
                            }
                        }
                    } catch {
                        problems.withLock { $0.append("round \(round), instance \(index) failed: \(error)") }
                    }
                }
            }

            #expect(problems.withLock { $0 } == [])
            let all = outcomes.withLock { $0 }
            #expect(all.count == rounds * 2)
            for (webhook, pair) in all {
                #expect(pair.count == 2, "\(webhook)")
                #expect(pair.filter { $0.acceptedSeq != nil }.count == 1, "\(webhook): \(pair)")
            }
            let numbered = try (0..<stores.count).map { index in
                try stores[0].events(orgID: "org-\(index)", afterSeq: 0, limit: 100).compactMap(\.seq)
            }
            // Whatever each organisation won, its numbers run 1, 2, 3 … without a hole.
            for numbers in numbered {
                #expect(numbers == (0..<numbers.count).map { Int64($0 + 1) })
            }
            #expect(numbered.map(\.count).reduce(0, +) == rounds * 2)
        }
    }

    /// Runs `body` with two stores (two "processes") on one new database.
    private func withTwoInstances(_ body: ([PostgresStore]) throws -> Void) throws {
        let database = try PostgresTestDatabase()
        defer { database.destroy() }
        let stores = try [PostgresStore(url: database.url), PostgresStore(url: database.url)]
        defer {
            for store in stores {
                store.close()
            }
        }
        try body(stores)
    }
}

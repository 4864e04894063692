// The shared suite, part 1: what `append` decides for each event. Runs on every engine.

import BridgeCore
import BridgeStore
import Testing

@Suite("Appending events")
struct EventStoreAppendTests {
    @Test("Opening a database twice applies its migrations once", arguments: StoreFactory.all)
    func migrationsAreIdempotent(factory: StoreFactory) throws {
        try factory.withDatabase { database in
            let first = try database.open()
            #expect(try first.migrate() == [])
            let accepted = try first.append([EventFixture.incoming()])
            first.close()

            let second = try database.open()
            defer { second.close() }
            #expect(try second.migrate() == [])
            #expect(try second.latestSeq(orgID: "org-a") == 1)
            #expect(try second.events(orgID: "org-a", afterSeq: 0, limit: 10).map(\.seq) == accepted.map(\.acceptedSeq))
        }
    }

    @Test("Accepted events number 1, 2, 3 in each organisation independently", arguments: StoreFactory.all)
    func sequencesArePerOrganisation(factory: StoreFactory) throws {
        try factory.withStore { store in
            let batch = ["org-a", "org-b", "org-a", "org-b", "org-a"].map { EventFixture.incoming(org: $0) }
            let outcomes = try store.append(batch)

            #expect(outcomes.map(\.acceptedSeq) == [1, 1, 2, 2, 3])
            let later = try store.append([EventFixture.incoming(org: "org-b")])
            #expect(later.map(\.acceptedSeq) == [3])
            #expect(try store.latestSeq(orgID: "org-a") == 3)
            #expect(try store.latestSeq(orgID: "org-b") == 3)
            #expect(try store.latestSeq(orgID: "org-none") == 0)

            let expectedA = zip(batch, outcomes).filter { $0.0.event.orgID == "org-a" }
                .map { StoredEvent($0.0, seq: $0.1.acceptedSeq) }
            #expect(try store.events(orgID: "org-a", afterSeq: 0, limit: 10) == expectedA)
            #expect(outcomes[0] == .accepted(StoredEvent(batch[0], seq: 1)))
        }
    }

    @Test("A repeated webhook id gets the first event's id and seq and stores nothing", arguments: StoreFactory.all)
    func duplicatesReturnTheFirstAnswer(factory: StoreFactory) throws {
        try factory.withStore { store in
            let first = EventFixture.incoming(webhook: "wh-1")
            _ = try store.append([first])

            let again = try store.append([EventFixture.incoming(version: 9, webhook: "wh-1")])
            #expect(again == [.duplicate(eventID: first.eventID, seq: 1)])

            let sameBatch = try store.append([
                EventFixture.incoming(webhook: "wh-2"),
                EventFixture.incoming(webhook: "wh-3"),
                EventFixture.incoming(webhook: "wh-2"),
            ])
            guard case .accepted(let stored) = sameBatch[0] else {
                Issue.record("the first wh-2 was not accepted: \(sameBatch[0])")
                return
            }
            #expect(sameBatch.map(\.acceptedSeq) == [2, 3, nil])
            #expect(sameBatch[2] == .duplicate(eventID: stored.eventID, seq: 2))

            let otherSource = try store.append([EventFixture.incoming(source: "pos", webhook: "wh-1")])
            #expect(otherSource.map(\.acceptedSeq) == [4])
            #expect(try store.latestSeq(orgID: "org-a") == 4)
        }
    }

    @Test("A lower version is stored as stale, not pushed, and uses no seq", arguments: StoreFactory.all)
    func lowerVersionIsStale(factory: StoreFactory) throws {
        try factory.withStore { store in
            let current = EventFixture.incoming(version: 2, data: #"{"v":2}"#)
            let old = EventFixture.incoming(version: 1, data: #"{"v":1}"#)
            let outcomes = try store.append([current, old])

            #expect(outcomes == [.accepted(StoredEvent(current, seq: 1)), .stale(eventID: old.eventID)])
            #expect(try store.events(orgID: "org-a", afterSeq: 0, limit: 10) == [StoredEvent(current, seq: 1)])
            #expect(try store.latestSeq(orgID: "org-a") == 1)

            let resent = try store.append([EventFixture.incoming(version: 1, webhook: old.webhookID)])
            #expect(resent == [.duplicate(eventID: old.eventID, seq: nil)])
            let next = try store.append([EventFixture.incoming(version: 3)])
            #expect(next.map(\.acceptedSeq) == [2])
        }
    }

    @Test("The same version with another body is a conflict", arguments: StoreFactory.all)
    func sameVersionOtherBodyConflicts(factory: StoreFactory) throws {
        try factory.withStore { store in
            let first = EventFixture.incoming(item: "item-1", version: 4, data: #"{"qty":1}"#)
            let rival = EventFixture.incoming(item: "item-1", version: 4, data: #"{"qty":2}"#)
            let outcomes = try store.append([first, rival])

            #expect(outcomes == [.accepted(StoredEvent(first, seq: 1)), .conflict(eventID: rival.eventID)])
            #expect(try store.events(orgID: "org-a", afterSeq: 0, limit: 10).map(\.eventID) == [first.eventID])
            #expect(try store.latestSeq(orgID: "org-a") == 1)
            let resent = try store.append([EventFixture.incoming(item: "item-1", webhook: rival.webhookID)])
            #expect(resent == [.duplicate(eventID: rival.eventID, seq: nil)])
        }
    }

    @Test("The same version with the same body was already delivered: stale", arguments: StoreFactory.all)
    func sameVersionSameBodyIsStale(factory: StoreFactory) throws {
        try factory.withStore { store in
            let first = EventFixture.incoming(version: 7, data: #"{"status":"shipped"}"#)
            let echo = EventFixture.incoming(version: 7, data: #"{"status":"shipped"}"#)
            let outcomes =
                try store.append([first])
                + store.append([echo])

            #expect(outcomes == [.accepted(StoredEvent(first, seq: 1)), .stale(eventID: echo.eventID)])
            #expect(try store.latestSeq(orgID: "org-a") == 1)
        }
    }

    @Test("Events without a version are always accepted and leave versions alone", arguments: StoreFactory.all)
    func eventsWithoutVersionAreAccepted(factory: StoreFactory) throws {
        try factory.withStore { store in
            let outcomes = try store.append([
                EventFixture.incoming(version: nil),
                EventFixture.incoming(version: nil),
                EventFixture.incoming(version: 5, data: #"{"v":5}"#),
                EventFixture.incoming(version: nil, data: #"{"v":"none"}"#),
                EventFixture.incoming(version: 5, data: #"{"v":5}"#),
                EventFixture.incoming(version: 6),
            ])

            #expect(outcomes.map(\.acceptedSeq) == [1, 2, 3, 4, nil, 5])
            guard case .stale = outcomes[4] else {
                Issue.record("version 5 twice with one body should be stale, got \(outcomes[4])")
                return
            }
        }
    }

    @Test("Versions are kept per entity: order, each item, each organisation", arguments: StoreFactory.all)
    func versionsArePerEntity(factory: StoreFactory) throws {
        try factory.withStore { store in
            let outcomes = try store.append([
                EventFixture.incoming(version: 5),
                EventFixture.incoming(item: "item-1", version: 1),
                EventFixture.incoming(item: "item-2", version: 1),
                EventFixture.incoming(order: "order-2", version: 1),
                EventFixture.incoming(org: "org-b", version: 1),
                EventFixture.incoming(item: "item-1", version: 2),
                EventFixture.incoming(item: "item-2", version: 1, data: #"{"other":true}"#),
            ])

            #expect(outcomes.map(\.acceptedSeq) == [1, 2, 3, 4, 1, 5, nil])
            guard case .conflict = outcomes[6] else {
                Issue.record("item-2 version 1 with another body should conflict, got \(outcomes[6])")
                return
            }
        }
    }

    @Test("An empty batch stores nothing", arguments: StoreFactory.all)
    func emptyBatch(factory: StoreFactory) throws {
        try factory.withStore { store throws in
            #expect(try store.append([]) == [])
            #expect(try store.latestSeq(orgID: "org-a") == 0)
        }
    }

    @Test("A batch that fails part-way stores none of its events", arguments: StoreFactory.all)
    func failedBatchIsRolledBack(factory: StoreFactory) throws {
        try factory.withStore { store in
            let existing = EventFixture.incoming()
            _ = try store.append([existing])

            let fresh = EventFixture.incoming(webhook: "wh-fresh")
            // Reusing a stored event id under a new webhook id breaks the primary key.
            let clash = EventFixture.incoming(webhook: "wh-clash", eventID: existing.eventID)
            let error = #expect(throws: StoreError.self) {
                try store.append([fresh, clash])
            }
            #expect(error?.code == .failed)
            // The message names the problem, never the values involved.
            #expect(error.map { !String(describing: $0).contains(existing.eventID) } == true)

            #expect(try store.latestSeq(orgID: "org-a") == 1)
            #expect(try store.events(orgID: "org-a", afterSeq: 0, limit: 10).count == 1)
            let retried = try store.append([fresh])
            #expect(retried == [.accepted(StoredEvent(fresh, seq: 2))])
        }
    }

    @Test("A closed store refuses every call as unavailable", arguments: StoreFactory.all)
    func closedStoreIsUnavailable(factory: StoreFactory) throws {
        try factory.withDatabase { database in
            let store = try database.open()
            store.close()
            store.close()

            let calls: [() throws -> Void] = [
                { _ = try store.append([EventFixture.incoming()]) },
                { _ = try store.events(orgID: "org-a", afterSeq: 0, limit: 1) },
                { _ = try store.latestSeq(orgID: "org-a") },
                { try store.ping() },
            ]
            for call in calls {
                let error = #expect(throws: StoreError.self) { try call() }
                #expect(error?.code == .unavailable)
            }
        }
    }
}

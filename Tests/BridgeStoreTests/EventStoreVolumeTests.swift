// The shared suite, part 3: big batches, concurrent writers and readers, hostile strings.

import BridgeCore
import BridgeStore
import Foundation
import Synchronization
import Testing

@Suite("Volume, concurrency and hostile input")
struct EventStoreVolumeTests {
    @Test("A batch of 2,000 events is stored in one call", arguments: StoreFactory.all)
    func largeBatch(factory: StoreFactory) throws {
        try factory.withStore { store in
            let batch = (0..<2_000).map { index in
                EventFixture.incoming(
                    org: index.isMultiple(of: 2) ? "org-a" : "org-b",
                    order: "order-\(index)",
                    version: 1
                )
            }
            let outcomes = try store.append(batch)

            #expect(outcomes.count == 2_000)
            #expect(outcomes.compactMap(\.acceptedSeq).count == 2_000)
            let stored = try store.events(orgID: "org-b", afterSeq: 0, limit: 5_000)
            #expect(stored.compactMap(\.seq) == Array(1...1_000))
            #expect(
                stored.map(\.eventID)
                    == batch.enumerated().filter { !$0.offset.isMultiple(of: 2) }.map(\.element.eventID)
            )
        }
    }

    @Test(
        "Four writer threads get gap-free, unique seqs while a reader sees only whole prefixes",
        .timeLimit(.minutes(1)),
        arguments: StoreFactory.all
    )
    func concurrentAppends(factory: StoreFactory) throws {
        let writers = 4
        let batchesPerWriter = 20
        let eventsPerBatch = 10
        let total = writers * batchesPerWriter * eventsPerBatch

        try factory.withStore { store in
            let seqs = Mutex<[Int64]>([])
            let problems = Mutex<[String]>([])

            DispatchQueue.concurrentPerform(iterations: writers + 1) { thread in
                do {
                    if thread == writers {
                        // The reader: every snapshot must be 1...n with nothing missing.
                        for _ in 0..<50 {
                            let seen = try store.events(orgID: "org-c", afterSeq: 0, limit: total).compactMap(\.seq)
                            if seen != (0..<seen.count).map({ Int64($0 + 1) }) {
                                problems.withLock { $0.append("reader saw a gap: \(seen.prefix(20))") }
                            }
                        }
                        return
                    }
                    for _ in 0..<batchesPerWriter {
                        let batch = (0..<eventsPerBatch).map { _ in EventFixture.incoming(org: "org-c") }
                        let accepted = try store.append(batch).compactMap(\.acceptedSeq)
                        if accepted.count != eventsPerBatch || accepted != accepted.sorted() {
                            problems.withLock { $0.append("a batch was not numbered in order: \(accepted)") }
                        }
                        seqs.withLock { $0.append(contentsOf: accepted) }
                    }
                } catch {
                    problems.withLock { $0.append("thread \(thread) failed: \(error)") }
                }
            }

            #expect(problems.withLock { $0 } == [])
            #expect(seqs.withLock { $0.sorted() } == Array(1...Int64(total)))
            #expect(try store.latestSeq(orgID: "org-c") == Int64(total))
            let stored = try store.events(orgID: "org-c", afterSeq: 0, limit: total + 1)
            #expect(stored.compactMap(\.seq) == Array(1...Int64(total)))
            #expect(Set(stored.map(\.eventID)).count == total)
        }
    }

    /// Quotes, SQL, parameter markers, wildcards, control characters, scripts, combining marks,
    /// emoji and 128-character ids: all must come back byte for byte.
    static let hostileStrings: [String] = [
        #"O'Reilly "quoted" `ticked`"#,
        "'); DROP TABLE events; --",
        "1' OR '1'='1",
        "?1 ?2 :name @param $1",
        #"100% _under_ \back\slash"#,
        "line\nbreak\ttab\rreturn",
        "NULL",
        "Zoë 注文 🛒 e\u{301} \u{202E}rtl",
        String(repeating: "a", count: 128),
        String(repeating: "ß", count: 128),
    ]

    @Test("Hostile strings round-trip exactly in every text field", arguments: StoreFactory.all, hostileStrings)
    func hostileStringsRoundTrip(factory: StoreFactory, text: String) throws {
        try factory.withStore { store in
            let data = String(decoding: try JSONEncoder().encode(["note": text]), as: UTF8.self)
            let incoming = EventFixture.incoming(
                org: text,
                order: text,
                item: text,
                version: 1,
                data: data,
                source: text,
                webhook: text,
                eventID: text,
                occurredAt: text
            )
            #expect(try store.append([incoming]) == [.accepted(StoredEvent(incoming, seq: 1))])

            let read = try store.events(orgID: text, afterSeq: 0, limit: 10)
            #expect(read == [StoredEvent(incoming, seq: 1)])
            // `==` on String ignores Unicode normalisation; the bytes must match too.
            if let event = read.first {
                let fields =
                    [event.eventID, event.sourceID, event.webhookID, event.event.orgID, event.event.orderID]
                    + [event.event.itemID ?? "", event.event.occurredAt ?? ""]
                #expect(fields.allSatisfy { Array($0.utf8) == Array(text.utf8) })
                #expect(Array(event.event.dataJSON.utf8) == Array(incoming.event.dataJSON.utf8))
            }
            #expect(try store.latestEntities(orgID: text, orderID: text).map(\.eventID) == [text])
            #expect(try store.append([incoming]) == [.duplicate(eventID: text, seq: 1)])
            #expect(try store.latestSeq(orgID: "org-a") == 0)
        }
    }
}

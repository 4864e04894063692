// The audit hash chain: intact logs pass, and each kind of tampering is named at the right row.

import BridgeCore
import BridgeCrypto
import Foundation
import Testing

@Suite struct AuditChainTests {
    let chain: AuditChain

    init() throws {
        chain = AuditChain(crypto: try OpenSSLCrypto())
    }

    /// `count` chained rows with ids 1, 2, …, as a store would write them.
    private func rows(_ count: Int) -> [AuditEntry] {
        var previous = AuditChain.genesisHash
        return (1...count).map { index in
            let event = SecurityEvent(
                name: "NOTIFICATION_CREATED",
                outcome: "allowed",
                actor: SecurityActor(userID: "u\(index)", orgID: index % 2 == 0 ? "acme" : "globex", role: "admin"),
                clientIP: "127.0.0.1"
            )
            let record = AuditRecord(event: event, atMillis: 1_700_000_000_000 + Int64(index))
            let hash = chain.hash(previous: previous, record: record.canonicalJSON)
            defer { previous = hash }
            return AuditEntry(
                id: Int64(index),
                atMillis: record.atMillis,
                event: record.event,
                outcome: record.outcome,
                orgID: record.orgID,
                record: record.canonicalJSON,
                prevHash: previous,
                hash: hash
            )
        }
    }

    private func firstBreak(_ entries: [AuditEntry]) -> AuditChainBreak? {
        var verifier = AuditChainVerifier(chain: chain)
        for entry in entries {
            if let broken = verifier.check(entry) { return broken }
        }
        return nil
    }

    @Test func hashIsSHA256OfThePreviousHashAndTheRecordInHex() {
        // SHA-256("abc"), the FIPS 180-2 example: the chain hashes exactly the concatenation.
        #expect(
            chain.hash(previous: "a", record: "bc")
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
        #expect(AuditChain.genesisHash == String(repeating: "0", count: 64))
    }

    @Test func intactChainPassesAndCountsEveryRow() {
        var verifier = AuditChainVerifier(chain: chain)
        for entry in rows(20) {
            #expect(verifier.check(entry) == nil)
        }
        #expect(verifier.verifiedCount == 20)
    }

    @Test func idGapsAloneDoNotBreakTheChain() {
        // PostgreSQL sequences skip ids after rolled-back transactions; links, not ids, matter.
        let entries = rows(3).enumerated().map { offset, entry in
            var entry = entry
            entry.id = Int64(offset * 10 + 1)
            return entry
        }
        #expect(firstBreak(entries) == nil)
    }

    @Test func editedRecordIsNamedAtItsRow() {
        var entries = rows(5)
        entries[2].record = entries[2].record.replacingOccurrences(of: "allowed", with: "denied")
        #expect(firstBreak(entries) == AuditChainBreak(rowID: 3, reason: .contentHashMismatch))
    }

    @Test(arguments: ["event", "outcome", "org_id", "at"])
    func editedColumnIsNamedAtItsRow(column: String) {
        var entries = rows(5)
        switch column {
        case "event": entries[1].event = "SOMETHING_ELSE"
        case "outcome": entries[1].outcome = "denied"
        case "org_id": entries[1].orgID = nil
        default: entries[1].atMillis += 1_000
        }
        #expect(firstBreak(entries) == AuditChainBreak(rowID: 2, reason: .columnMismatch(column)))
    }

    @Test func deletedRowIsFoundAtTheRowAfterIt() {
        var entries = rows(5)
        entries.remove(at: 2)
        let broken = firstBreak(entries)
        #expect(broken == AuditChainBreak(rowID: 4, reason: .previousHashMismatch(previousRowID: 2)))
        #expect(broken?.description.hasPrefix("row 4: prev_hash does not match the hash of row 2") == true)
    }

    @Test func deletedFirstRowIsFoundAtTheNewFirstRow() {
        let entries = Array(rows(3).dropFirst())
        #expect(firstBreak(entries) == AuditChainBreak(rowID: 2, reason: .previousHashMismatch(previousRowID: nil)))
    }

    @Test func rowRewrittenWithAFreshHashBreaksTheLinkOfTheNextRow() {
        var entries = rows(4)
        let forged = entries[1].record.replacingOccurrences(of: "u2", with: "zz")
        entries[1].record = forged
        entries[1].hash = chain.hash(previous: entries[1].prevHash ?? "", record: forged)
        #expect(firstBreak(entries) == AuditChainBreak(rowID: 3, reason: .previousHashMismatch(previousRowID: 2)))
    }

    @Test func missingPreviousHashOrUnreadableRecordIsABreak() {
        var entries = rows(2)
        entries[0].prevHash = nil
        #expect(firstBreak(entries)?.reason == .previousHashMismatch(previousRowID: nil))

        var garbled = rows(2)
        garbled[1].record = "not json"
        garbled[1].hash = chain.hash(previous: garbled[1].prevHash ?? "", record: "not json")
        #expect(firstBreak(garbled) == AuditChainBreak(rowID: 2, reason: .unreadableRecord))
    }
}

// Walks the audit log in chain order and finds the first row that breaks the chain.

import Foundation

/// Checks audit rows one at a time, in id order, against the chain and against themselves.
///
/// Feed it every row from the first; it remembers only the previous row's id and hash, so a
/// log of any length is checked in constant memory.
public struct AuditChainVerifier {
    /// How many rows passed so far.
    public private(set) var verifiedCount = 0

    private let chain: AuditChain
    private var previous: (id: Int64, hash: String)?

    /// A verifier for a chain hashed as `chain` hashes.
    public init(chain: AuditChain) {
        self.chain = chain
    }

    /// Checks the next row; returns why it breaks the chain, or nil when it holds.
    ///
    /// In order: the link to the row before, the row's own hash, then the columns the store
    /// copied out of the record. A deleted row therefore shows up at the row after it.
    public mutating func check(_ entry: AuditEntry) -> AuditChainBreak? {
        let expectedPrevious = previous?.hash ?? AuditChain.genesisHash
        guard let prevHash = entry.prevHash, prevHash == expectedPrevious else {
            return AuditChainBreak(rowID: entry.id, reason: .previousHashMismatch(previousRowID: previous?.id))
        }
        guard chain.hash(previous: prevHash, record: entry.record) == entry.hash else {
            return AuditChainBreak(rowID: entry.id, reason: .contentHashMismatch)
        }
        if let reason = Self.columnMismatch(entry) {
            return AuditChainBreak(rowID: entry.id, reason: reason)
        }
        previous = (entry.id, entry.hash)
        verifiedCount += 1
        return nil
    }

    /// Compares the queryable columns with the record they were copied from.
    private static func columnMismatch(_ entry: AuditEntry) -> AuditChainBreak.Reason? {
        let bytes = Array(entry.record.utf8)
        guard JSONNesting.isWithin(bytes),
            let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)),
            let fields = value.objectValue,
            let time = fields["time"]?.stringValue,
            let event = fields["event"]?.stringValue,
            let outcome = fields["outcome"]?.stringValue,
            let org = fields["org"]
        else {
            return .unreadableRecord
        }
        if event != entry.event { return .columnMismatch("event") }
        if outcome != entry.outcome { return .columnMismatch("outcome") }
        if org != (entry.orgID.map(JSONValue.string) ?? .null) { return .columnMismatch("org_id") }
        if time != AuditTimestamp.iso8601(millis: entry.atMillis) { return .columnMismatch("at") }
        return nil
    }
}

extension AuditChainVerifier {
    /// Rows read per query while walking a store.
    public static let pageSize = 1_000

    /// Walks every row of `store` in chain order and returns how many there are.
    ///
    /// - Throws: the first `AuditChainBreak`, or the store's error when it cannot be read.
    public static func verify(_ store: any AuditStore, chain: AuditChain) throws -> Int {
        var verifier = AuditChainVerifier(chain: chain)
        var afterID: Int64 = 0
        while true {
            let page = try store.auditChain(afterID: afterID, limit: pageSize)
            for entry in page {
                if let broken = verifier.check(entry) {
                    throw broken
                }
            }
            guard let last = page.last, page.count == pageSize else {
                return verifier.verifiedCount
            }
            afterID = last.id
        }
    }
}

// The storage contract of the audit log, implemented by every engine.

/// The append-only, hash-chained `audit_log`. Implementations are safe from any thread.
public protocol AuditStore: AnyObject, Sendable {
    /// Appends `records` to the end of the chain, in order, in one transaction, and returns
    /// the stored rows.
    ///
    /// Reading the last row's hash and inserting are serialised against every other writer of
    /// the same database (other processes included), so the chain never forks.
    func appendAudit(_ records: [AuditRecord], chain: AuditChain) throws -> [AuditEntry]

    /// Rows of `orgID` with an id below `beforeID` (all when nil), newest first, at most `limit`.
    func auditEntries(orgID: String, beforeID: Int64?, limit: Int) throws -> [AuditEntry]

    /// Rows with an id above `afterID`, in chain order, at most `limit`; for verification.
    func auditChain(afterID: Int64, limit: Int) throws -> [AuditEntry]
}

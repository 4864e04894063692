// One stored row of the audit log, as the stores read it back.

/// An `audit_log` row: the canonical record text, the columns copied out of it for queries,
/// and the two chain hashes.
public struct AuditEntry: Sendable, Equatable {
    /// The row id, increasing in chain order.
    public var id: Int64
    /// `at`: the record's time in Unix milliseconds.
    public var atMillis: Int64
    /// `event`: the record's event name.
    public var event: String
    /// `outcome`: the record's outcome.
    public var outcome: String
    /// `org_id`: the record's organisation, if any.
    public var orgID: String?
    /// `record`: the canonical JSON the hash covers.
    public var record: String
    /// `prev_hash`: the hash of the row before (64 zeros for the first); nil only if tampered.
    public var prevHash: String?
    /// `hash`: SHA-256 of `prevHash` and `record`, hex.
    public var hash: String

    /// A row as read from the store.
    public init(
        id: Int64,
        atMillis: Int64,
        event: String,
        outcome: String,
        orgID: String?,
        record: String,
        prevHash: String?,
        hash: String
    ) {
        self.id = id
        self.atMillis = atMillis
        self.event = event
        self.outcome = outcome
        self.orgID = orgID
        self.record = record
        self.prevHash = prevHash
        self.hash = hash
    }
}

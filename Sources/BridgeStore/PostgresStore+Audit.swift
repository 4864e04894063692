// The audit log on PostgreSQL: chained appends that several bridge instances can make safely.

import BridgeCore

extension PostgresStore: AuditStore {
    /// The advisory lock every instance takes to append to the audit log ("auditlog" in ASCII).
    static let auditLockKey: Int64 = 0x6175_6469_746c_6f67

    /// The columns every audit query selects, read by `decodeAuditEntries`.
    private static let auditColumns = "id, at, event, outcome, org_id, record, prev_hash, hash"

    /// Appends `records` after the last row in one transaction.
    ///
    /// The transaction first takes a transaction-scoped advisory lock that every appender
    /// takes, so between reading the last hash and committing no other instance can append:
    /// the chain cannot fork, and ids (taken under the lock) grow in chain order. A lost race
    /// or connection runs the whole append again.
    public func appendAudit(_ records: [AuditRecord], chain: AuditChain) throws -> [AuditEntry] {
        guard !records.isEmpty else { return [] }
        let insert = """
            INSERT INTO audit_log (at, event, outcome, org_id, record, prev_hash, hash)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            RETURNING id
            """
        return try pool.withConnection { connection in
            try connection.retrying(attempts: Self.attempts) {
                try connection.transaction {
                    _ = try connection.execute("SELECT pg_advisory_xact_lock($1)", [.integer(Self.auditLockKey)])
                    let last = try connection.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
                    var previous = last.rowCount > 0 ? try last.text(row: 0, column: 0) : AuditChain.genesisHash
                    var entries: [AuditEntry] = []
                    for record in records {
                        let text = record.canonicalJSON
                        let hash = chain.hash(previous: previous, record: text)
                        let result = try connection.execute(
                            insert,
                            [
                                .integer(record.atMillis),
                                .text(record.event),
                                .text(record.outcome),
                                .text(record.orgID),
                                .text(text),
                                .text(previous),
                                .text(hash),
                            ]
                        )
                        entries.append(
                            AuditEntry(
                                id: try result.int64(row: 0, column: 0),
                                atMillis: record.atMillis,
                                event: record.event,
                                outcome: record.outcome,
                                orgID: record.orgID,
                                record: text,
                                prevHash: previous,
                                hash: hash
                            )
                        )
                        previous = hash
                    }
                    return entries
                }
            }
        }
    }

    /// `orgID`'s rows below `beforeID`, newest first.
    ///
    /// - Throws: `StoreError` `.failed` when `limit` is negative.
    public func auditEntries(orgID: String, beforeID: Int64?, limit: Int) throws -> [AuditEntry] {
        guard limit >= 0 else {
            throw StoreError(.failed, "the audit limit must not be negative")
        }
        guard limit > 0 else { return [] }
        let sql = """
            SELECT \(Self.auditColumns) FROM audit_log
            WHERE org_id = $1 AND id < $2
            ORDER BY id DESC
            LIMIT $3
            """
        let parameters: [PostgresConnection.Value] = [
            .text(orgID), .integer(beforeID ?? Int64.max), .integer(Int64(limit)),
        ]
        return try read(sql, parameters, Self.decodeAuditEntries)
    }

    /// Rows after `afterID` in chain order.
    ///
    /// - Throws: `StoreError` `.failed` when `limit` is negative.
    public func auditChain(afterID: Int64, limit: Int) throws -> [AuditEntry] {
        guard limit >= 0 else {
            throw StoreError(.failed, "the audit limit must not be negative")
        }
        guard limit > 0 else { return [] }
        let sql = "SELECT \(Self.auditColumns) FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2"
        return try read(sql, [.integer(afterID), .integer(Int64(limit))], Self.decodeAuditEntries)
    }

    /// Every row of `result`, selected as `auditColumns`.
    private static func decodeAuditEntries(_ result: PostgresResult) throws -> [AuditEntry] {
        try (0..<result.rowCount).map { row in
            AuditEntry(
                id: try result.int64(row: row, column: 0),
                atMillis: try result.int64(row: row, column: 1),
                event: try result.text(row: row, column: 2),
                outcome: try result.text(row: row, column: 3),
                orgID: result.optionalText(row: row, column: 4),
                record: try result.text(row: row, column: 5),
                prevHash: result.optionalText(row: row, column: 6),
                hash: try result.text(row: row, column: 7)
            )
        }
    }
}

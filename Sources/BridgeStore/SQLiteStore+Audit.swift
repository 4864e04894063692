// The audit log on SQLite: chained appends under the write lock, and reads for the API and verify.

import BridgeCore

extension SQLiteStore: AuditStore {
    /// The columns every audit query selects, read by `decodeAuditEntry`.
    private static let auditColumns = "id, at, event, outcome, org_id, record, prev_hash, hash"

    /// Appends `records` after the last row, in one `BEGIN IMMEDIATE` transaction: the write
    /// lock is held from reading the last hash to the commit, so no other connection or
    /// process can insert in between and fork the chain.
    public func appendAudit(_ records: [AuditRecord], chain: AuditChain) throws -> [AuditEntry] {
        guard !records.isEmpty else { return [] }
        let last = "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1"
        let insert = """
            INSERT INTO audit_log (at, event, outcome, org_id, record, prev_hash, hash)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            RETURNING id
            """
        return try writer.withLock { connection in
            try connection.transaction {
                var previous = try connection.withStatement(last) { statement in
                    try statement.step() ? try statement.text(at: 0) : AuditChain.genesisHash
                }
                var entries: [AuditEntry] = []
                for record in records {
                    let text = record.canonicalJSON
                    let hash = chain.hash(previous: previous, record: text)
                    let id = try connection.withStatement(insert) { statement in
                        try statement.bind([
                            .integer(record.atMillis),
                            .text(record.event),
                            .text(record.outcome),
                            .text(record.orgID),
                            .text(text),
                            .text(previous),
                            .text(hash),
                        ])
                        guard try statement.step() else {
                            throw StoreError(.failed, "the audit insert returned no id")
                        }
                        let id = try statement.int64(at: 0)
                        _ = try statement.step()
                        return id
                    }
                    entries.append(
                        AuditEntry(
                            id: id,
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

    /// `orgID`'s rows below `beforeID`, newest first.
    ///
    /// - Throws: `StoreError` `.failed` when `limit` is negative.
    public func auditEntries(orgID: String, beforeID: Int64?, limit: Int) throws -> [AuditEntry] {
        let sql = """
            SELECT \(Self.auditColumns) FROM audit_log
            WHERE org_id = ?1 AND id < ?2
            ORDER BY id DESC
            LIMIT ?3
            """
        return try readAudit(sql, [.text(orgID), .integer(beforeID ?? Int64.max)], limit: limit)
    }

    /// Rows after `afterID` in chain order.
    ///
    /// - Throws: `StoreError` `.failed` when `limit` is negative.
    public func auditChain(afterID: Int64, limit: Int) throws -> [AuditEntry] {
        let sql = "SELECT \(Self.auditColumns) FROM audit_log WHERE id > ?1 ORDER BY id LIMIT ?2"
        return try readAudit(sql, [.integer(afterID)], limit: limit)
    }

    /// Runs an audit query whose last parameter is the limit.
    private func readAudit(_ sql: String, _ values: [SQLiteStatement.Value], limit: Int) throws -> [AuditEntry] {
        guard limit >= 0 else {
            throw StoreError(.failed, "the audit limit must not be negative")
        }
        guard limit > 0 else { return [] }
        return try reader.withLock { connection in
            try connection.withStatement(sql) { statement in
                try statement.bind(values + [.integer(Int64(limit))])
                var entries: [AuditEntry] = []
                while try statement.step() {
                    entries.append(
                        AuditEntry(
                            id: try statement.int64(at: 0),
                            atMillis: try statement.int64(at: 1),
                            event: try statement.text(at: 2),
                            outcome: try statement.text(at: 3),
                            orgID: statement.optionalText(at: 4),
                            record: try statement.text(at: 5),
                            prevHash: statement.optionalText(at: 6),
                            hash: try statement.text(at: 7)
                        )
                    )
                }
                return entries
            }
        }
    }
}

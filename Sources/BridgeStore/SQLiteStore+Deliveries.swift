// The acknowledgement outbox on SQLite: rows written with their events, leased to one sender.

import BridgeCore

extension SQLiteStore: DeliveryStore {
    /// The columns every outbox query selects, read by `decodeDelivery`.
    private static let deliveryColumns = """
        id, event_id, source, webhook_id, org_id, outcome, status, recipients, attempts, \
        next_attempt_at, last_http_status, last_error, delivered_at, created_at, updated_at
        """

    /// Stores `batch` with no acknowledgements: the `EventStore` entry point.
    public func append(_ batch: [IncomingEvent]) throws -> [AppendOutcome] {
        try append(batch, outboxFor: [])
    }

    /// Writes the acknowledgement rows of a batch's `ackSources` events, inside its transaction.
    ///
    /// The row copies source, webhook id and organisation from the stored event (for a
    /// duplicate, the first copy), and is due at once; an accepted event's row still waits for
    /// its recipient count. An acknowledgement already queued for the same event and outcome
    /// is left as it is.
    static func queueAcknowledgements(
        _ batch: [IncomingEvent],
        _ outcomes: [AppendOutcome],
        for ackSources: Set<String>,
        on connection: SQLiteConnection,
        createdAt: Int64
    ) throws {
        guard !ackSources.isEmpty else {
            return
        }
        let sql = """
            INSERT INTO deliveries (
                id, event_id, source, webhook_id, org_id, outcome, recipients,
                next_attempt_at, delivered_at, created_at, updated_at
            )
            SELECT ?1, e.id, e.source, e.webhook_id, e.org_id, ?2, ?3, ?4, ?4, ?4, ?4
            FROM events AS e WHERE e.id = ?5
            ON CONFLICT DO NOTHING
            """
        for (incoming, outcome) in zip(batch, outcomes) where ackSources.contains(incoming.sourceID) {
            let kind = DeliveryOutcome(outcome)
            try connection.withStatement(sql) { statement in
                try statement.run([
                    .text(Delivery.id(eventID: outcome.eventID, outcome: kind)),
                    .text(kind.rawValue),
                    .integer(kind.recipientsKnownAtCommit ? 0 : nil),
                    .integer(createdAt),
                    .text(outcome.eventID),
                ])
            }
        }
    }

    /// Stores the counts of pushed events whose `delivered` rows still lack one, in one transaction.
    public func recordRecipients(_ reports: [DeliveryReport]) throws {
        guard !reports.isEmpty else {
            return
        }
        let sql = """
            UPDATE deliveries SET recipients = ?2, delivered_at = ?3, updated_at = ?3
            WHERE event_id = ?1 AND outcome = 'delivered' AND recipients IS NULL
            """
        try writer.withLock { connection in
            try connection.transaction {
                for report in reports {
                    try connection.withStatement(sql) { statement in
                        try statement.run([
                            .text(report.eventID),
                            .integer(report.recipients),
                            .integer(report.pushedAtMillis),
                        ])
                    }
                }
            }
        }
    }

    /// Leases due rows to the caller. SQLite has one writer at a time, so the lease written
    /// under the write lock is all it takes for no other sender to see them as due.
    public func claimDeliveries(_ request: DeliveryClaimRequest) throws -> [Delivery] {
        guard request.limit > 0, request.quotas.values.contains(where: { $0 > 0 }) else {
            return []
        }
        // Candidates are read in due order and capped, so a long backlog costs one index range.
        let sql = """
            WITH candidates AS (
                SELECT d.id, d.source, d.next_attempt_at FROM deliveries AS d
                WHERE d.status = 'pending' AND d.next_attempt_at <= ?3
                AND (d.claimed_until IS NULL OR d.claimed_until <= ?3)
                AND (d.recipients IS NOT NULL OR d.created_at <= ?4)
                AND d.source IN (SELECT key FROM json_each(?5))
                ORDER BY d.next_attempt_at
                LIMIT ?6
            ),
            ranked AS (
                SELECT c.id, c.next_attempt_at, q.value AS quota,
                    ROW_NUMBER() OVER (PARTITION BY c.source ORDER BY c.next_attempt_at, c.id) AS position
                FROM candidates AS c JOIN json_each(?5) AS q ON q.key = c.source
            )
            UPDATE deliveries SET claimed_until = ?1, claim_token = ?2, updated_at = ?3
            WHERE id IN (SELECT id FROM ranked WHERE position <= quota ORDER BY next_attempt_at LIMIT ?7)
            RETURNING \(Self.deliveryColumns)
            """
        let limit = Int64(request.limit)
        let claimed = try writer.withLock { connection in
            try connection.transaction {
                try connection.withStatement(sql) { statement in
                    try statement.bind([
                        .integer(request.claimedUntilMillis),
                        .text(request.token),
                        .integer(request.nowMillis),
                        .integer(request.unreportedBeforeMillis),
                        .text(request.quotasJSON),
                        .integer(max(limit, 64) * 4),
                        .integer(limit),
                    ])
                    var rows: [Delivery] = []
                    while try statement.step() {
                        rows.append(try Self.decodeDelivery(statement))
                    }
                    return rows
                }
            }
        }
        return claimed.sorted { ($0.nextAttemptAtMillis, $0.id) < ($1.nextAttemptAtMillis, $1.id) }
    }

    /// Writes an attempt's result when the row is still claimed with its token.
    @discardableResult
    public func finishAttempt(_ record: DeliveryAttemptRecord) throws -> Bool {
        let sql = """
            UPDATE deliveries SET status = ?3, attempts = ?4, next_attempt_at = ?5, last_http_status = ?6,
                last_error = ?7, claimed_until = NULL, claim_token = NULL, updated_at = ?8
            WHERE id = ?1 AND claim_token = ?2
            """
        return try writer.withLock { connection in
            try connection.transaction {
                try connection.withStatement(sql) { statement in
                    try statement.run([
                        .text(record.id),
                        .text(record.token),
                        .text(record.status.rawValue),
                        .integer(Int64(record.attempts)),
                        .integer(record.nextAttemptAtMillis),
                        .integer(record.httpStatus.map(Int64.init)),
                        .text(record.error),
                        .integer(record.nowMillis),
                    ])
                }
                return try connection.changes() == 1
            }
        }
    }

    /// Ends the leases of `ids` held with `token`.
    public func releaseDeliveries(ids: [String], token: String) throws {
        guard !ids.isEmpty else {
            return
        }
        let sql = "UPDATE deliveries SET claimed_until = NULL, claim_token = NULL WHERE id = ?1 AND claim_token = ?2"
        try writer.withLock { connection in
            try connection.transaction {
                for id in ids {
                    try connection.withStatement(sql) { try $0.run([.text(id), .text(token)]) }
                }
            }
        }
    }

    /// Rows of `orgID` (all when nil) with `status` (any when nil), newest first, at most `limit`.
    ///
    /// - Throws: `StoreError` `.failed` when `limit` is negative.
    public func deliveries(orgID: String?, status: DeliveryStatus?, limit: Int) throws -> [Delivery] {
        guard limit >= 0 else {
            throw StoreError(.failed, "the delivery limit must not be negative")
        }
        var conditions: [String] = []
        var values: [SQLiteStatement.Value] = []
        if let orgID {
            values.append(.text(orgID))
            conditions.append("org_id = ?\(values.count)")
        }
        if let status {
            values.append(.text(status.rawValue))
            conditions.append("status = ?\(values.count)")
        }
        values.append(.integer(Int64(limit)))
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = """
            SELECT \(Self.deliveryColumns) FROM deliveries \(filter)
            ORDER BY created_at DESC, id DESC LIMIT ?\(values.count)
            """
        return try reader.withLock { connection in
            try connection.withStatement(sql) { statement in
                try statement.bind(values)
                var rows: [Delivery] = []
                while try statement.step() {
                    rows.append(try Self.decodeDelivery(statement))
                }
                return rows
            }
        }
    }

    /// The row `id` when it belongs to `orgID` (or to anyone when nil).
    public func delivery(id: String, orgID: String?) throws -> Delivery? {
        let sql = "SELECT \(Self.deliveryColumns) FROM deliveries WHERE id = ?1 AND (?2 IS NULL OR org_id = ?2)"
        return try reader.withLock { connection in
            try connection.withStatement(sql) { statement in
                try statement.bind([.text(id), .text(orgID)])
                return try statement.step() ? try Self.decodeDelivery(statement) : nil
            }
        }
    }

    /// Makes the failed row `id` pending again with a fresh attempt budget.
    public func retryDelivery(id: String, orgID: String?, nowMillis: Int64) throws -> Bool {
        try rescheduleFailed(where: "id = ?2 AND (?3 IS NULL OR org_id = ?3)", [.text(id), .text(orgID)], nowMillis)
            == 1
    }

    /// Makes every failed row of `orgID` (all when nil) pending again.
    public func retryFailedDeliveries(orgID: String?, nowMillis: Int64) throws -> Int {
        try rescheduleFailed(where: "(?2 IS NULL OR org_id = ?2)", [.text(orgID)], nowMillis)
    }

    /// Deletes old sent rows, one batch per transaction.
    public func deleteSentDeliveries(createdBeforeMillis: Int64, batchSize: Int) throws -> Int {
        let sql = """
            DELETE FROM deliveries WHERE rowid IN (
                SELECT rowid FROM deliveries WHERE status = 'sent' AND created_at < ?1 LIMIT ?2
            )
            """
        return try deleteInBatches(sql, before: createdBeforeMillis, batchSize: batchSize)
    }

    /// How many rows are in each status.
    public func deliveryCounts() throws -> [DeliveryStatus: Int] {
        try reader.withLock { connection in
            try connection.withStatement("SELECT status, COUNT(*) FROM deliveries GROUP BY status") { statement in
                var counts: [DeliveryStatus: Int] = [:]
                while try statement.step() {
                    guard let status = DeliveryStatus(rawValue: try statement.text(at: 0)) else {
                        throw StoreError(.failed, "a delivery has a status this build does not know")
                    }
                    counts[status] = Int(try statement.int64(at: 1))
                }
                return counts
            }
        }
    }

    /// Sets failed rows matching `condition` (whose parameters start at `?2`) pending again.
    private func rescheduleFailed(
        where condition: String,
        _ values: [SQLiteStatement.Value],
        _ nowMillis: Int64
    ) throws -> Int {
        let sql = """
            UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?1,
                claimed_until = NULL, claim_token = NULL, updated_at = ?1
            WHERE status = 'failed' AND \(condition)
            """
        return try writer.withLock { connection in
            try connection.transaction {
                try connection.withStatement(sql) { try $0.run([.integer(nowMillis)] + values) }
                return Int(try connection.changes())
            }
        }
    }

    /// The row under `statement`, selected with `deliveryColumns`.
    private static func decodeDelivery(_ statement: SQLiteStatement) throws -> Delivery {
        guard let outcome = DeliveryOutcome(rawValue: try statement.text(at: 5)),
            let status = DeliveryStatus(rawValue: try statement.text(at: 6)),
            let attempts = Int(exactly: try statement.int64(at: 8))
        else {
            throw StoreError(.failed, "a delivery has an outcome or status this build does not know")
        }
        return Delivery(
            id: try statement.text(at: 0),
            eventID: try statement.text(at: 1),
            sourceID: try statement.text(at: 2),
            webhookID: try statement.text(at: 3),
            orgID: try statement.text(at: 4),
            outcome: outcome,
            status: status,
            recipients: statement.optionalInt64(at: 7),
            attempts: attempts,
            nextAttemptAtMillis: try statement.int64(at: 9),
            lastHTTPStatus: statement.optionalInt64(at: 10).flatMap { Int(exactly: $0) },
            lastError: statement.optionalText(at: 11),
            deliveredAtMillis: try statement.int64(at: 12),
            createdAtMillis: try statement.int64(at: 13),
            updatedAtMillis: try statement.int64(at: 14)
        )
    }
}

// The acknowledgement outbox on PostgreSQL: rows written with their events, leased with SKIP LOCKED.

import BridgeCore

extension PostgresStore: DeliveryStore {
    /// The columns every outbox query selects, read by `decodeDeliveries`.
    private static let deliveryColumns = """
        id, event_id, source, webhook_id, org_id, outcome, status, recipients, attempts, \
        next_attempt_at, last_http_status, last_error, delivered_at, created_at, updated_at
        """

    /// Stores `batch` with no acknowledgements: the `EventStore` entry point.
    public func append(_ batch: [IncomingEvent]) throws -> [AppendOutcome] {
        try append(batch, outboxFor: [])
    }

    /// The statements that write the acknowledgement rows of a batch's `ackSources` events,
    /// to run inside its transaction after the events.
    ///
    /// As on SQLite: the row copies source, webhook id and organisation from the stored event,
    /// and an acknowledgement already queued for the same event and outcome (by this instance
    /// or another) is left as it is.
    static func acknowledgementStatements(
        _ batch: [IncomingEvent],
        _ outcomes: [AppendOutcome],
        for ackSources: Set<String>,
        createdAt: Int64
    ) -> [PostgresConnection.Statement] {
        guard !ackSources.isEmpty else {
            return []
        }
        let sql = """
            INSERT INTO deliveries (
                id, event_id, source, webhook_id, org_id, outcome, recipients,
                next_attempt_at, delivered_at, created_at, updated_at
            )
            SELECT $1, e.id, e.source, e.webhook_id, e.org_id, $2, $3::bigint, $4::bigint, $4, $4, $4
            FROM events AS e WHERE e.id = $5
            ON CONFLICT DO NOTHING
            """
        return zip(batch, outcomes).filter { ackSources.contains($0.0.sourceID) }.map { _, outcome in
            let kind = DeliveryOutcome(outcome)
            return PostgresConnection.Statement(
                sql,
                [
                    .text(Delivery.id(eventID: outcome.eventID, outcome: kind)),
                    .text(kind.rawValue),
                    .integer(kind.recipientsKnownAtCommit ? 0 : nil),
                    .integer(createdAt),
                    .text(outcome.eventID),
                ]
            )
        }
    }

    /// Stores the counts of pushed events whose `delivered` rows still lack one, in one transaction.
    public func recordRecipients(_ reports: [DeliveryReport]) throws {
        guard !reports.isEmpty else {
            return
        }
        let sql = """
            UPDATE deliveries SET recipients = $2, delivered_at = $3, updated_at = $3
            WHERE event_id = $1 AND outcome = 'delivered' AND recipients IS NULL
            """
        try writeDeliveries { connection in
            for report in reports {
                _ = try connection.execute(
                    sql,
                    [.text(report.eventID), .integer(report.recipients), .integer(report.pushedAtMillis)]
                )
            }
        }
    }

    /// Leases due rows to the caller.
    ///
    /// `FOR UPDATE SKIP LOCKED` lets instances claim side by side without waiting for each
    /// other: rows another instance is claiming right now are passed over, and once that
    /// claim commits its lease keeps them out of everyone else's due set. A row whose lease
    /// was written between this statement's snapshot and its lock is re-checked by
    /// PostgreSQL and dropped, so no row is ever leased twice.
    public func claimDeliveries(_ request: DeliveryClaimRequest) throws -> [Delivery] {
        guard request.limit > 0, request.quotas.values.contains(where: { $0 > 0 }) else {
            return []
        }
        let sql = """
            WITH candidates AS (
                SELECT d.id, d.source, d.next_attempt_at FROM deliveries AS d
                WHERE d.status = 'pending' AND d.next_attempt_at <= $3
                AND (d.claimed_until IS NULL OR d.claimed_until <= $3)
                AND (d.recipients IS NOT NULL OR d.created_at <= $4)
                AND d.source IN (SELECT key FROM jsonb_each_text($5::jsonb))
                ORDER BY d.next_attempt_at
                LIMIT $6
                FOR UPDATE SKIP LOCKED
            ),
            ranked AS (
                SELECT c.id, c.next_attempt_at, q.value::integer AS quota,
                    row_number() OVER (PARTITION BY c.source ORDER BY c.next_attempt_at, c.id) AS position
                FROM candidates AS c JOIN jsonb_each_text($5::jsonb) AS q ON q.key = c.source
            ),
            chosen AS (
                SELECT id FROM ranked WHERE position <= quota ORDER BY next_attempt_at LIMIT $7
            )
            UPDATE deliveries AS d SET claimed_until = $1, claim_token = $2, updated_at = $3
            FROM chosen WHERE d.id = chosen.id
            RETURNING \(Self.prefixed(Self.deliveryColumns, with: "d."))
            """
        let limit = Int64(request.limit)
        let claimed = try writeDeliveries { connection in
            try Self.decodeDeliveries(
                connection.execute(
                    sql,
                    [
                        .integer(request.claimedUntilMillis),
                        .text(request.token),
                        .integer(request.nowMillis),
                        .integer(request.unreportedBeforeMillis),
                        .text(request.quotasJSON),
                        .integer(max(limit, 64) * 4),
                        .integer(limit),
                    ]
                )
            )
        }
        return claimed.sorted { ($0.nextAttemptAtMillis, $0.id) < ($1.nextAttemptAtMillis, $1.id) }
    }

    /// Writes an attempt's result when the row is still claimed with its token.
    @discardableResult
    public func finishAttempt(_ record: DeliveryAttemptRecord) throws -> Bool {
        let sql = """
            UPDATE deliveries SET status = $3, attempts = $4, next_attempt_at = $5, last_http_status = $6,
                last_error = $7, claimed_until = NULL, claim_token = NULL, updated_at = $8
            WHERE id = $1 AND claim_token = $2
            """
        return try writeDeliveries { connection in
            let result = try connection.execute(
                sql,
                [
                    .text(record.id),
                    .text(record.token),
                    .text(record.status.rawValue),
                    .integer(Int64(record.attempts)),
                    .integer(record.nextAttemptAtMillis),
                    .integer(record.httpStatus.map(Int64.init)),
                    .text(record.error),
                    .integer(record.nowMillis),
                ]
            )
            return result.changedRows == 1
        }
    }

    /// Ends the leases of `ids` held with `token`.
    public func releaseDeliveries(ids: [String], token: String) throws {
        guard !ids.isEmpty else {
            return
        }
        let sql = "UPDATE deliveries SET claimed_until = NULL, claim_token = NULL WHERE id = $1 AND claim_token = $2"
        try writeDeliveries { connection in
            for id in ids {
                _ = try connection.execute(sql, [.text(id), .text(token)])
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
        var values: [PostgresConnection.Value] = []
        if let orgID {
            values.append(.text(orgID))
            conditions.append("org_id = $\(values.count)")
        }
        if let status {
            values.append(.text(status.rawValue))
            conditions.append("status = $\(values.count)")
        }
        values.append(.integer(Int64(limit)))
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = """
            SELECT \(Self.deliveryColumns) FROM deliveries \(filter)
            ORDER BY created_at DESC, id DESC LIMIT $\(values.count)
            """
        return try read(sql, values, Self.decodeDeliveries)
    }

    /// The row `id` when it belongs to `orgID` (or to anyone when nil).
    public func delivery(id: String, orgID: String?) throws -> Delivery? {
        let sql = "SELECT \(Self.deliveryColumns) FROM deliveries WHERE id = $1 AND ($2::text IS NULL OR org_id = $2)"
        return try read(sql, [.text(id), .text(orgID)], Self.decodeDeliveries).first
    }

    /// Makes the failed row `id` pending again with a fresh attempt budget.
    public func retryDelivery(id: String, orgID: String?, nowMillis: Int64) throws -> Bool {
        let condition = "id = $2 AND ($3::text IS NULL OR org_id = $3)"
        return try rescheduleFailed(where: condition, [.text(id), .text(orgID)], nowMillis) == 1
    }

    /// Makes every failed row of `orgID` (all when nil) pending again.
    public func retryFailedDeliveries(orgID: String?, nowMillis: Int64) throws -> Int {
        try rescheduleFailed(where: "($2::text IS NULL OR org_id = $2)", [.text(orgID)], nowMillis)
    }

    /// Deletes old sent rows, one batch per transaction.
    public func deleteSentDeliveries(createdBeforeMillis: Int64, batchSize: Int) throws -> Int {
        let sql = """
            DELETE FROM deliveries WHERE id IN (
                SELECT id FROM deliveries WHERE status = 'sent' AND created_at < $1 LIMIT $2
            )
            """
        return try deleteInBatches(sql, before: createdBeforeMillis, batchSize: batchSize)
    }

    /// How many rows are in each status.
    public func deliveryCounts() throws -> [DeliveryStatus: Int] {
        try read("SELECT status, COUNT(*) FROM deliveries GROUP BY status", []) { result in
            var counts: [DeliveryStatus: Int] = [:]
            for row in 0..<result.rowCount {
                guard let status = DeliveryStatus(rawValue: try result.text(row: row, column: 0)) else {
                    throw StoreError(.failed, "a delivery has a status this build does not know")
                }
                counts[status] = Int(try result.int64(row: row, column: 1))
            }
            return counts
        }
    }

    /// Runs `body` in one transaction on a pooled connection, again after a lost race or a
    /// connection lost before `COMMIT`.
    private func writeDeliveries<Result>(_ body: (PostgresConnection) throws -> Result) throws -> Result {
        try pool.withConnection { connection in
            try connection.retrying(attempts: Self.attempts) {
                try connection.transaction { try body(connection) }
            }
        }
    }

    /// Sets failed rows matching `condition` (whose parameters start at `$2`) pending again.
    private func rescheduleFailed(
        where condition: String,
        _ values: [PostgresConnection.Value],
        _ nowMillis: Int64
    ) throws -> Int {
        let sql = """
            UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1,
                claimed_until = NULL, claim_token = NULL, updated_at = $1
            WHERE status = 'failed' AND \(condition)
            """
        return try writeDeliveries { connection in
            try connection.execute(sql, [.integer(nowMillis)] + values).changedRows
        }
    }

    /// `columns` with each name qualified by `prefix`.
    private static func prefixed(_ columns: String, with prefix: String) -> String {
        columns.split(separator: ",").map { prefix + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
    }

    /// Every row of `result`, selected with `deliveryColumns`.
    private static func decodeDeliveries(_ result: PostgresResult) throws -> [Delivery] {
        try (0..<result.rowCount).map { row in
            guard let outcome = DeliveryOutcome(rawValue: try result.text(row: row, column: 5)),
                let status = DeliveryStatus(rawValue: try result.text(row: row, column: 6)),
                let attempts = Int(exactly: try result.int64(row: row, column: 8))
            else {
                throw StoreError(.failed, "a delivery has an outcome or status this build does not know")
            }
            return Delivery(
                id: try result.text(row: row, column: 0),
                eventID: try result.text(row: row, column: 1),
                sourceID: try result.text(row: row, column: 2),
                webhookID: try result.text(row: row, column: 3),
                orgID: try result.text(row: row, column: 4),
                outcome: outcome,
                status: status,
                recipients: try result.optionalInt64(row: row, column: 7),
                attempts: attempts,
                nextAttemptAtMillis: try result.int64(row: row, column: 9),
                lastHTTPStatus: try result.optionalInt64(row: row, column: 10).flatMap { Int(exactly: $0) },
                lastError: result.optionalText(row: row, column: 11),
                deliveredAtMillis: try result.int64(row: row, column: 12),
                createdAtMillis: try result.int64(row: row, column: 13),
                updatedAtMillis: try result.int64(row: row, column: 14)
            )
        }
    }
}

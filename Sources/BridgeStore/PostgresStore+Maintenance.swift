// Retention and snapshots on PostgreSQL: reads and deletes beyond the `EventStore` contract.

import BridgeCore

extension PostgresStore {
    /// Deletes events received before `receivedBeforeMillis`, `batchSize` rows per
    /// transaction, so that appends never wait long behind retention.
    ///
    /// Sequences are never reused and entity versions are kept, so later events still number
    /// on and stale checks still hold. Webhook ids of deleted events can be accepted again.
    /// - Returns: how many events were deleted.
    /// - Throws: `StoreError` `.failed` when `batchSize` is not positive.
    public func deleteEvents(receivedBeforeMillis: Int64, batchSize: Int) throws -> Int {
        let sql = """
            DELETE FROM events WHERE id IN (
                SELECT id FROM events WHERE received_at < $1 LIMIT $2
            )
            """
        return try deleteInBatches(sql, before: receivedBeforeMillis, batchSize: batchSize)
    }

    /// Runs `sql`, a delete of at most `$2` rows older than `$1`, one statement (and so one
    /// transaction) per batch until a batch comes back short.
    /// - Returns: how many rows were deleted.
    func deleteInBatches(_ sql: String, before cutoff: Int64, batchSize: Int) throws -> Int {
        guard batchSize > 0 else {
            throw StoreError(.failed, "the retention batch size must be positive")
        }
        var deleted = 0
        while true {
            // Running a batch again after a lost connection deletes only what is still there.
            let count = try read(sql, [.integer(cutoff), .integer(Int64(batchSize))]) { $0.changedRows }
            deleted += count
            // A short batch means nothing older is left; new rows are never older.
            if count < batchSize {
                return deleted
            }
        }
    }

    /// The latest pushed event of the order and of each of its items, in `seq` order.
    ///
    /// "Latest" is the highest `seq`, so an event without a version counts too; stale and
    /// conflicting events never do. Entities whose events were all deleted are absent.
    public func latestEntities(orgID: String, orderID: String) throws -> [StoredEvent] {
        let entityTypes = EntityType.allCases.map { PostgresConnection.Value.text($0.rawValue) }
        // Naming every entity type lets the entity index find the order without a full scan
        // of the organisation.
        let placeholders = entityTypes.indices.map { "$\($0 + 3)" }.joined(separator: ", ")
        let sql = """
            SELECT \(PostgresEventRow.columns) FROM (
                SELECT DISTINCT ON (entity_type, item_id) \(PostgresEventRow.columns) FROM events
                WHERE org_id = $1 AND order_id = $2 AND entity_type IN (\(placeholders)) AND seq IS NOT NULL
                ORDER BY entity_type, item_id, seq DESC
            ) AS latest
            ORDER BY seq
            """
        return try read(sql, [.text(orgID), .text(orderID)] + entityTypes, PostgresEventRow.decodeAll)
    }
}

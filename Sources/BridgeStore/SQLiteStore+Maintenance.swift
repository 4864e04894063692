// Retention and snapshots: reads and deletes beyond the `EventStore` contract.

import BridgeCore

extension SQLiteStore {
    /// Deletes events received before `receivedBeforeMillis`, `batchSize` rows per transaction,
    /// releasing the write lock between batches so that appends are not held up for long.
    ///
    /// Sequences are never reused and entity versions are kept, so later events still number
    /// on and stale checks still hold. Webhook ids of deleted events can be accepted again.
    /// - Returns: how many events were deleted.
    /// - Throws: `StoreError` `.failed` when `batchSize` is not positive.
    public func deleteEvents(receivedBeforeMillis: Int64, batchSize: Int) throws -> Int {
        let sql = """
            DELETE FROM events WHERE rowid IN (
                SELECT rowid FROM events WHERE received_at < ?1 LIMIT ?2
            )
            """
        return try deleteInBatches(sql, before: receivedBeforeMillis, batchSize: batchSize)
    }

    /// Runs `sql`, a delete of at most `?2` rows older than `?1`, one transaction per batch
    /// until a batch comes back short, releasing the write lock in between.
    /// - Returns: how many rows were deleted.
    func deleteInBatches(_ sql: String, before cutoff: Int64, batchSize: Int) throws -> Int {
        guard batchSize > 0 else {
            throw StoreError(.failed, "the retention batch size must be positive")
        }
        var deleted = 0
        while true {
            let count = try writer.withLock { connection in
                try connection.transaction {
                    try connection.withStatement(sql) { statement in
                        try statement.run([.integer(cutoff), .integer(Int64(batchSize))])
                    }
                    return try connection.changes()
                }
            }
            deleted += Int(count)
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
        let entityTypes = EntityType.allCases.map { $0.rawValue }
        // With no statistics the planner prefers the (org_id, seq) index and reads the whole
        // organisation; the entity index, given every entity type, reads only this order.
        let placeholders = entityTypes.indices.map { "?\($0 + 3)" }.joined(separator: ", ")
        let sql = """
            SELECT \(SQLiteEventRow.columns) FROM events AS e INDEXED BY events_entity
            WHERE e.org_id = ?1 AND e.order_id = ?2 AND e.entity_type IN (\(placeholders))
            AND e.seq = (
                SELECT MAX(x.seq) FROM events AS x INDEXED BY events_entity
                WHERE x.org_id = e.org_id AND x.entity_type = e.entity_type
                AND x.order_id = e.order_id AND x.item_id = e.item_id
            )
            ORDER BY e.seq
            """
        return try reader.withLock { connection in
            try connection.withStatement(sql) { statement in
                try statement.bind([.text(orgID), .text(orderID)] + entityTypes.map { .text($0) })
                var events: [StoredEvent] = []
                while try statement.step() {
                    events.append(try SQLiteEventRow.decode(statement))
                }
                return events
            }
        }
    }
}

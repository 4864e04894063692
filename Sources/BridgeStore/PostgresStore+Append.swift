// Appending a batch on PostgreSQL: safe when several bridge instances write at once.

import BridgeCore

extension PostgresStore {
    /// Stores `batch` in one transaction and returns one outcome per event, in order.
    ///
    /// The outcomes are those of `SQLiteStore.append`: a `(source, webhook id)` seen before
    /// (also earlier in this batch) is a duplicate and stores nothing; a `version` below the
    /// entity's latest pushed one is stale; the same version with another body is a conflict,
    /// with the same body it is stale. Anything else takes the organisation's next `seq`.
    /// Events of `ackSources` also get their acknowledgement row in `deliveries`, in the same
    /// transaction.
    ///
    /// Other instances may append to the same organisations at the same moment, so:
    /// - the batch first locks the sequence row of each of its organisations, in one sorted
    ///   order shared by every instance, and keeps the locks until it commits; numbers are
    ///   handed out under those locks, so they are unique and, once committed, gap-free;
    /// - each event row is inserted with `ON CONFLICT (source, webhook_id) DO NOTHING` before
    ///   anything else, so a webhook racing in through another instance waits for the first
    ///   to commit and then comes out a duplicate, never an error and never a spent `seq`;
    /// - the entity's version is claimed with a conditional upsert that locks its row.
    ///
    /// A deadlock or serialization failure, or a connection lost before `COMMIT`, runs the
    /// whole batch again (a few times at most).
    /// - Throws: `StoreError`; when it throws, none of the batch is stored, except that a
    ///   connection lost during `COMMIT` leaves it unknown (`.unavailable`); sending the batch
    ///   again is safe, as its events then come back as duplicates.
    public func append(_ batch: [IncomingEvent], outboxFor ackSources: Set<String>) throws -> [AppendOutcome] {
        guard !batch.isEmpty else {
            return []
        }
        let createdAt = Self.nowMillis()
        return try pool.withConnection { connection in
            try connection.retrying(attempts: Self.attempts) {
                try connection.transaction {
                    var sequences = try Self.lockSequences(of: batch, on: connection)
                    let outcomes = try batch.map { incoming in
                        try Self.append(incoming, sequences: &sequences, on: connection, createdAt: createdAt)
                    }
                    try Self.saveSequences(sequences, on: connection)
                    try Self.queueAcknowledgements(
                        batch,
                        outcomes,
                        for: ackSources,
                        on: connection,
                        createdAt: createdAt
                    )
                    return outcomes
                }
            }
        }
    }

    /// An organisation's sequence as the batch found it and as far as the batch has used it.
    private struct SequenceBlock {
        /// `last_seq` when the batch locked the row.
        var locked: Int64
        /// The last number the batch handed out.
        var last: Int64
    }

    /// Locks the sequence row of every organisation in `batch`, creating missing ones.
    ///
    /// Sorting the ids gives every instance the same lock order, so two batches that share
    /// organisations queue up instead of deadlocking.
    private static func lockSequences(
        of batch: [IncomingEvent],
        on connection: PostgresConnection
    ) throws -> [String: SequenceBlock] {
        let sql = """
            INSERT INTO org_sequences (org_id, last_seq) VALUES ($1, 0)
            ON CONFLICT (org_id) DO UPDATE SET last_seq = org_sequences.last_seq
            RETURNING last_seq
            """
        var sequences: [String: SequenceBlock] = [:]
        for orgID in Set(batch.map(\.event.orgID)).sorted() {
            let last = try connection.execute(sql, [.text(orgID)]).int64(row: 0, column: 0)
            sequences[orgID] = SequenceBlock(locked: last, last: last)
        }
        return sequences
    }

    /// Writes back the last number of each organisation that handed any out.
    private static func saveSequences(_ sequences: [String: SequenceBlock], on connection: PostgresConnection) throws {
        for (orgID, block) in sequences where block.last != block.locked {
            _ = try connection.execute(
                "UPDATE org_sequences SET last_seq = $2 WHERE org_id = $1",
                [.text(orgID), .integer(block.last)]
            )
        }
    }

    /// The checks and writes for one event, inside the batch's transaction.
    private static func append(
        _ incoming: IncomingEvent,
        sequences: inout [String: SequenceBlock],
        on connection: PostgresConnection,
        createdAt: Int64
    ) throws -> AppendOutcome {
        guard let block = sequences[incoming.event.orgID] else {
            throw StoreError(.failed, "an event's organisation was not locked before appending")
        }
        let (seq, overflow) = block.last.addingReportingOverflow(1)
        guard !overflow else {
            throw StoreError(.failed, "the organisation's sequence is exhausted")
        }

        // Inserted as accepted at once; stale and conflicting events are rare and pay for an update.
        guard try insert(incoming, seq: seq, on: connection, createdAt: createdAt) else {
            return try firstDelivery(of: incoming, on: connection)
        }
        if let version = incoming.event.version, let stored = try claimVersion(of: incoming.event, on: connection) {
            let conflict = version == stored.version && incoming.event.dataJSON != stored.payload
            _ = try connection.execute(
                "UPDATE events SET seq = NULL, stale = true, conflict = $2 WHERE id = $1",
                [.text(incoming.eventID), .boolean(conflict)]
            )
            return conflict ? .conflict(eventID: incoming.eventID) : .stale(eventID: incoming.eventID)
        }

        sequences[incoming.event.orgID]?.last = seq
        return .accepted(
            StoredEvent(
                eventID: incoming.eventID,
                sourceID: incoming.sourceID,
                webhookID: incoming.webhookID,
                seq: seq,
                receivedAtMillis: incoming.receivedAtMillis,
                event: incoming.event
            )
        )
    }

    /// Inserts the event as accepted with `seq`; false when its source already sent its
    /// webhook id (then nothing is written). Waits for an uncommitted rival with the same id.
    private static func insert(
        _ incoming: IncomingEvent,
        seq: Int64,
        on connection: PostgresConnection,
        createdAt: Int64
    ) throws -> Bool {
        let sql = """
            INSERT INTO events (
                id, source, webhook_id, org_id, entity_type, order_id, item_id, action,
                version, seq, stale, conflict, payload, occurred_at, received_at, created_at
            ) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, false, false, $11, $12, $13, $14)
            ON CONFLICT (source, webhook_id) DO NOTHING
            RETURNING id
            """
        let event = incoming.event
        let result = try connection.execute(
            sql,
            [
                .text(incoming.eventID),
                .text(incoming.sourceID),
                .text(incoming.webhookID),
                .text(event.orgID),
                .text(event.entityType.rawValue),
                .text(event.orderID),
                .text(event.itemID ?? ""),
                .text(event.action.rawValue),
                .integer(event.version),
                .integer(seq),
                .text(event.dataJSON),
                .text(event.occurredAt),
                .integer(incoming.receivedAtMillis),
                .integer(createdAt),
            ]
        )
        return result.rowCount == 1
    }

    /// The answer for a webhook id already stored: the first event's id and `seq`.
    private static func firstDelivery(
        of incoming: IncomingEvent,
        on connection: PostgresConnection
    ) throws -> AppendOutcome {
        let result = try connection.execute(
            "SELECT id, seq FROM events WHERE source = $1 AND webhook_id = $2",
            [.text(incoming.sourceID), .text(incoming.webhookID)]
        )
        guard result.rowCount == 1 else {
            // Retention deleted the first copy between the insert and this read: a lost race,
            // which running the batch again resolves.
            throw PostgresFailure(
                sqlState: "40001",
                message: "a duplicate webhook's first copy was deleted meanwhile",
                context: "appending a batch"
            )
        }
        return .duplicate(eventID: try result.text(row: 0, column: 0), seq: try result.optionalInt64(row: 0, column: 1))
    }

    /// Makes the event the entity's latest version when it is newer than the stored one.
    ///
    /// - Returns: nil when the event's version was recorded; otherwise the stored version and
    ///   body, which are at least as new. Either way the entity's row stays locked until commit.
    private static func claimVersion(
        of event: OrderEvent,
        on connection: PostgresConnection
    ) throws -> (version: Int64, payload: String)? {
        let claim = """
            INSERT INTO entity_versions (org_id, entity_type, order_id, item_id, version, payload)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (org_id, entity_type, order_id, item_id) DO UPDATE
            SET version = excluded.version, payload = excluded.payload
            WHERE entity_versions.version < excluded.version
            RETURNING version
            """
        let key: [PostgresConnection.Value] = [
            .text(event.orgID), .text(event.entityType.rawValue), .text(event.orderID), .text(event.itemID ?? ""),
        ]
        guard try connection.execute(claim, key + [.integer(event.version), .text(event.dataJSON)]).rowCount == 0 else {
            return nil
        }

        let stored = try connection.execute(
            """
            SELECT version, payload FROM entity_versions
            WHERE org_id = $1 AND entity_type = $2 AND order_id = $3 AND item_id = $4
            """,
            key
        )
        guard stored.rowCount == 1 else {
            throw StoreError(.failed, "an entity's stored version could not be read back")
        }
        return (try stored.int64(row: 0, column: 0), try stored.text(row: 0, column: 1))
    }
}

// Appending a batch: duplicate, stale and conflict checks and `seq` assignment in one transaction.

import BridgeCore

extension SQLiteStore {
    /// Stores `batch` in one transaction and returns one outcome per event, in order.
    ///
    /// Per event: a `(source, webhook id)` seen before (also earlier in this batch) is a
    /// duplicate and stores nothing; a `version` below the entity's latest pushed one is
    /// stale; the same version with another body is a conflict, with the same body it is stale
    /// (already delivered). Stale and conflicting events are stored without a `seq`. Anything
    /// else takes the organisation's next `seq` and becomes the entity's latest version when it
    /// has one. Events of `ackSources` also get their acknowledgement row in `deliveries`.
    /// When this returns, the whole batch is on disk; when it throws, none of it is.
    public func append(_ batch: [IncomingEvent], outboxFor ackSources: Set<String>) throws -> [AppendOutcome] {
        guard !batch.isEmpty else {
            return []
        }
        let createdAt = Self.nowMillis()
        return try writer.withLock { connection in
            try connection.transaction {
                let outcomes = try batch.map { incoming in
                    try Self.append(incoming, on: connection, createdAt: createdAt)
                }
                try Self.queueAcknowledgements(batch, outcomes, for: ackSources, on: connection, createdAt: createdAt)
                return outcomes
            }
        }
    }

    /// The checks and writes for one event, inside the batch's transaction.
    private static func append(
        _ incoming: IncomingEvent,
        on connection: SQLiteConnection,
        createdAt: Int64
    ) throws -> AppendOutcome {
        if let first = try firstDelivery(of: incoming, on: connection) {
            return .duplicate(eventID: first.eventID, seq: first.seq)
        }

        if let version = incoming.event.version,
            let latest = try latestVersion(of: incoming.event, on: connection),
            version <= latest.version
        {
            let conflict = version == latest.version && incoming.event.dataJSON != latest.payload
            try insert(incoming, seq: nil, conflict: conflict, on: connection, createdAt: createdAt)
            return conflict ? .conflict(eventID: incoming.eventID) : .stale(eventID: incoming.eventID)
        }

        let seq = try nextSeq(orgID: incoming.event.orgID, on: connection)
        try insert(incoming, seq: seq, conflict: false, on: connection, createdAt: createdAt)
        if incoming.event.version != nil {
            try recordVersion(of: incoming.event, on: connection)
        }
        return .accepted(StoredEvent(incoming, seq: seq))
    }

    /// The event already stored for this source and webhook id, if any.
    private static func firstDelivery(
        of incoming: IncomingEvent,
        on connection: SQLiteConnection
    ) throws -> (eventID: String, seq: Int64?)? {
        let sql = "SELECT id, seq FROM events WHERE source = ?1 AND webhook_id = ?2"
        return try connection.withStatement(sql) { statement in
            try statement.bind([.text(incoming.sourceID), .text(incoming.webhookID)])
            guard try statement.step() else {
                return nil
            }
            return (try statement.text(at: 0), statement.optionalInt64(at: 1))
        }
    }

    /// The latest pushed version of the event's entity and its body, if one was recorded.
    private static func latestVersion(
        of event: OrderEvent,
        on connection: SQLiteConnection
    ) throws -> (version: Int64, payload: String)? {
        let sql = """
            SELECT version, payload FROM entity_versions
            WHERE org_id = ?1 AND entity_type = ?2 AND order_id = ?3 AND item_id = ?4
            """
        return try connection.withStatement(sql) { statement in
            try statement.bind(entityKey(of: event))
            guard try statement.step() else {
                return nil
            }
            return (try statement.int64(at: 0), try statement.text(at: 1))
        }
    }

    /// Takes the organisation's next `seq`. Inside the write transaction, so it is gap-free.
    private static func nextSeq(orgID: String, on connection: SQLiteConnection) throws -> Int64 {
        let sql = """
            INSERT INTO org_sequences (org_id, last_seq) VALUES (?1, 1)
            ON CONFLICT (org_id) DO UPDATE SET last_seq = last_seq + 1
            RETURNING last_seq
            """
        return try connection.withStatement(sql) { statement in
            try statement.bind([.text(orgID)])
            guard try statement.step() else {
                throw StoreError(.failed, "the sequence update returned no value")
            }
            let seq = try statement.int64(at: 0)
            // The row is written by the first step; this one finishes the statement.
            _ = try statement.step()
            return seq
        }
    }

    /// Writes the event row; a nil `seq` marks it stale (and maybe conflicting).
    private static func insert(
        _ incoming: IncomingEvent,
        seq: Int64?,
        conflict: Bool,
        on connection: SQLiteConnection,
        createdAt: Int64
    ) throws {
        let sql = """
            INSERT INTO events (
                id, source, webhook_id, org_id, entity_type, order_id, item_id, action,
                version, seq, stale, conflict, payload, occurred_at, received_at, created_at
            ) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
            """
        let event = incoming.event
        try connection.withStatement(sql) { statement in
            try statement.run([
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
                .integer(seq == nil ? 1 : 0),
                .integer(conflict ? 1 : 0),
                .text(event.dataJSON),
                .text(event.occurredAt),
                .integer(incoming.receivedAtMillis),
                .integer(createdAt),
            ])
        }
    }

    /// Makes the event's version and body the entity's latest.
    private static func recordVersion(of event: OrderEvent, on connection: SQLiteConnection) throws {
        let sql = """
            INSERT INTO entity_versions (org_id, entity_type, order_id, item_id, version, payload)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            ON CONFLICT (org_id, entity_type, order_id, item_id)
            DO UPDATE SET version = excluded.version, payload = excluded.payload
            """
        try connection.withStatement(sql) { statement in
            try statement.run(entityKey(of: event) + [.integer(event.version), .text(event.dataJSON)])
        }
    }

    /// `(org_id, entity_type, order_id, item_id)` as bound values; orders use `''` for the item.
    private static func entityKey(of event: OrderEvent) -> [SQLiteStatement.Value] {
        [.text(event.orgID), .text(event.entityType.rawValue), .text(event.orderID), .text(event.itemID ?? "")]
    }
}

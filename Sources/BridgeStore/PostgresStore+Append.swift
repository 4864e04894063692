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
    /// Most batches have every event accepted, so a batch is first written on that bet, sent
    /// with the locks: two round trips whatever its size, the second the `COMMIT`
    /// (`allAcceptedStatements`). A batch that loses the bet is rolled back to just after the
    /// locks and written event by event, which decides every case but costs about two round
    /// trips an event.
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
        let orgIDs = Self.lockOrder(of: batch)
        let bet = Self.allAcceptedStatements(batch, outboxFor: ackSources, createdAt: createdAt)
        let opening = orgIDs.map(Self.lockSequence) + [PostgresConnection.Statement(Self.savepoint)] + bet.statements
        return try pool.withConnection { connection in
            try connection.retrying(attempts: Self.attempts) {
                try connection.transaction(openingWith: opening) { results in
                    var sequences = try Self.sequenceBlocks(orgIDs, lockedBy: Array(results.prefix(orgIDs.count)))
                    let betResults = Array(results.dropFirst(orgIDs.count + 1))
                    if let outcomes = try Self.allAcceptedOutcomes(batch, bet: bet, results: betResults) {
                        return outcomes
                    }
                    _ = try connection.execute("ROLLBACK TO SAVEPOINT \(Self.savepointName)")
                    let outcomes = try batch.map { incoming in
                        try Self.append(incoming, sequences: &sequences, on: connection, createdAt: createdAt)
                    }
                    let acknowledgements = Self.acknowledgementStatements(
                        batch,
                        outcomes,
                        for: ackSources,
                        createdAt: createdAt
                    )
                    _ = try connection.pipeline(Self.saveSequences(sequences) + acknowledgements)
                    return outcomes
                }
            }
        }
    }

    /// The savepoint just after the locks, where a batch that is not all accepted goes back to.
    private static let savepointName = "all_accepted"
    private static let savepoint = "SAVEPOINT \(savepointName)"

    /// The checks and writes for one event, inside the batch's transaction.
    private static func append(
        _ incoming: IncomingEvent,
        sequences: inout [String: SequenceBlock],
        on connection: PostgresConnection,
        createdAt: Int64
    ) throws -> AppendOutcome {
        guard let seq = try sequences[incoming.event.orgID]?.next() else {
            throw StoreError(.failed, "an event's organisation was not locked before appending")
        }

        // Inserted as accepted at once; stale and conflicting events are rare and pay for an update.
        let insert = insertEvent(incoming, seq: .given(seq), createdAt: createdAt)
        guard try connection.execute(insert.sql, insert.parameters).rowCount == 1 else {
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
        return accepted(incoming, seq: seq)
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

    /// Claims the event's version (see the `claimVersion(of:)` statement).
    ///
    /// - Returns: nil when the event's version was recorded; otherwise the stored version and
    ///   body, which are at least as new. Either way the entity's row stays locked until commit.
    private static func claimVersion(
        of event: OrderEvent,
        on connection: PostgresConnection
    ) throws -> (version: Int64, payload: String)? {
        let claim = claimVersion(of: event)
        guard try connection.execute(claim.sql, claim.parameters).rowCount == 0 else {
            return nil
        }

        let stored = try connection.execute(
            """
            SELECT version, payload FROM entity_versions
            WHERE org_id = $1 AND entity_type = $2 AND order_id = $3 AND item_id = $4
            """,
            entityKey(of: event)
        )
        guard stored.rowCount == 1 else {
            throw StoreError(.failed, "an entity's stored version could not be read back")
        }
        return (try stored.int64(row: 0, column: 0), try stored.text(row: 0, column: 1))
    }
}

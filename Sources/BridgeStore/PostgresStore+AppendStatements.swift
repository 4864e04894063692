// The statements an append is made of, shared by its all-accepted and per-event paths.

import BridgeCore

extension PostgresStore {
    /// An organisation's sequence as the batch found it and as far as the batch has used it.
    struct SequenceBlock {
        /// `last_seq` when the batch locked the row.
        var locked: Int64
        /// The last number the batch handed out.
        var last: Int64

        /// The number after `last`, not yet handed out.
        func next() throws -> Int64 {
            let (seq, overflow) = last.addingReportingOverflow(1)
            guard !overflow else {
                throw StoreError(.failed, "the organisation's sequence is exhausted")
            }
            return seq
        }
    }

    /// The organisations of `batch`, each once, in the one order every instance locks them in.
    ///
    /// A shared order makes two batches that share organisations queue up instead of
    /// deadlocking.
    static func lockOrder(of batch: [IncomingEvent]) -> [String] {
        Set(batch.map(\.event.orgID)).sorted()
    }

    /// Locks an organisation's sequence row, creating it when missing, and returns `last_seq`.
    static func lockSequence(of orgID: String) -> PostgresConnection.Statement {
        let sql = """
            INSERT INTO org_sequences (org_id, last_seq) VALUES ($1, 0)
            ON CONFLICT (org_id) DO UPDATE SET last_seq = org_sequences.last_seq
            RETURNING last_seq
            """
        return PostgresConnection.Statement(sql, [.text(orgID)])
    }

    /// The sequence blocks of `orgIDs` from the results of their `lockSequence` statements.
    static func sequenceBlocks(
        _ orgIDs: [String],
        lockedBy results: [PostgresResult]
    ) throws -> [String: SequenceBlock] {
        guard results.count == orgIDs.count else {
            throw StoreError(.failed, "an organisation's sequence row was not locked")
        }
        var sequences: [String: SequenceBlock] = [:]
        for (orgID, result) in zip(orgIDs, results) {
            let last = try result.int64(row: 0, column: 0)
            sequences[orgID] = SequenceBlock(locked: last, last: last)
        }
        return sequences
    }

    /// Writes back the last number of each organisation that handed any out.
    static func saveSequences(_ sequences: [String: SequenceBlock]) -> [PostgresConnection.Statement] {
        sequences.filter { $0.value.last != $0.value.locked }.sorted { $0.key < $1.key }.map { orgID, block in
            PostgresConnection.Statement(
                "UPDATE org_sequences SET last_seq = $2 WHERE org_id = $1",
                [.text(orgID), .integer(block.last)]
            )
        }
    }

    /// Where an inserted event's `seq` comes from.
    enum SeqSource {
        /// A number the caller handed out under the organisation's lock.
        case given(Int64)
        /// The organisation's locked `last_seq` plus this offset, read by the statement itself,
        /// so the insert can travel in the same round trip as the lock.
        case afterLocked(offset: Int64)
    }

    /// Inserts the event as accepted and returns its `seq`. It changes no row when its source
    /// already sent its webhook id, and waits for an uncommitted rival with the same id.
    static func insertEvent(
        _ incoming: IncomingEvent,
        seq source: SeqSource,
        createdAt: Int64
    ) -> PostgresConnection.Statement {
        let seqExpression: String
        let seq: Int64
        switch source {
        case .given(let number):
            (seqExpression, seq) = ("$10", number)
        case .afterLocked(let offset):
            (seqExpression, seq) = ("(SELECT last_seq FROM org_sequences WHERE org_id = $4) + $10::bigint", offset)
        }
        let sql = """
            INSERT INTO events (
                id, source, webhook_id, org_id, entity_type, order_id, item_id, action,
                version, seq, stale, conflict, payload, occurred_at, received_at, created_at
            ) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \(seqExpression), false, false, $11, $12, $13, $14)
            ON CONFLICT (source, webhook_id) DO NOTHING
            RETURNING seq
            """
        let event = incoming.event
        return PostgresConnection.Statement(
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
    }

    /// Makes the event the entity's latest version when it is newer than the stored one, and
    /// locks the entity's row until commit either way. It returns a row exactly when the
    /// event's version was recorded.
    ///
    /// Separate statements may touch one entity one after another, which is why two events of
    /// one entity in a batch each get their own (a single multi-row upsert could not).
    static func claimVersion(of event: OrderEvent) -> PostgresConnection.Statement {
        let sql = """
            INSERT INTO entity_versions (org_id, entity_type, order_id, item_id, version, payload)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (org_id, entity_type, order_id, item_id) DO UPDATE
            SET version = excluded.version, payload = excluded.payload
            WHERE entity_versions.version < excluded.version
            RETURNING version
            """
        let values: [PostgresConnection.Value] = [.integer(event.version), .text(event.dataJSON)]
        return PostgresConnection.Statement(sql, entityKey(of: event) + values)
    }

    /// The outcome of an event stored with `seq`.
    static func accepted(_ incoming: IncomingEvent, seq: Int64) -> AppendOutcome {
        .accepted(StoredEvent(incoming, seq: seq))
    }

    /// The parameters naming the event's entity, as `$1` to `$4`.
    static func entityKey(of event: OrderEvent) -> [PostgresConnection.Value] {
        [.text(event.orgID), .text(event.entityType.rawValue), .text(event.orderID), .text(event.itemID ?? "")]
    }
}

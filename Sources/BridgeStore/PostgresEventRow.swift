// Reading an `events` row of the PostgreSQL store back into a `StoredEvent`.

import BridgeCore

/// The column list every event query selects, and its decoding.
enum PostgresEventRow {
    /// Select list matching `decode(_:row:)`, for `SELECT \(columns) FROM events …`.
    static let columns = """
        id, source, webhook_id, org_id, entity_type, order_id, item_id, action, \
        version, seq, payload, occurred_at, received_at
        """

    /// Every row of `result`, selected with `columns`.
    static func decodeAll(_ result: PostgresResult) throws -> [StoredEvent] {
        try (0..<result.rowCount).map { try decode(result, row: $0) }
    }

    /// Row `row` of `result`, selected with `columns`.
    ///
    /// An `item_id` of `''` (how orders are keyed) reads back as nil.
    /// - Throws: `StoreError` `.failed` when the row holds values this build cannot read.
    static func decode(_ result: PostgresResult, row: Int32) throws -> StoredEvent {
        let entity = try result.text(row: row, column: 4)
        let action = try result.text(row: row, column: 7)
        guard let entityType = EntityType(rawValue: entity), let orderAction = OrderAction(rawValue: action) else {
            throw StoreError(.failed, "a stored event has an entity type or action this build does not know")
        }
        let itemID = try result.text(row: row, column: 6)

        let event = OrderEvent(
            entityType: entityType,
            action: orderAction,
            orgID: try result.text(row: row, column: 3),
            orderID: try result.text(row: row, column: 5),
            itemID: itemID.isEmpty ? nil : itemID,
            version: try result.optionalInt64(row: row, column: 8),
            occurredAt: result.optionalText(row: row, column: 11),
            dataJSON: try result.text(row: row, column: 10)
        )
        return StoredEvent(
            eventID: try result.text(row: row, column: 0),
            sourceID: try result.text(row: row, column: 1),
            webhookID: try result.text(row: row, column: 2),
            seq: try result.optionalInt64(row: row, column: 9),
            receivedAtMillis: try result.int64(row: row, column: 12),
            event: event
        )
    }
}

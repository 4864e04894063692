// Reading an `events` row back into a `StoredEvent`.

import BridgeCore

/// The column list every event query selects, and its decoding.
enum SQLiteEventRow {
    /// Select list matching `decode(_:)`, for `SELECT \(columns) FROM events …`.
    static let columns = """
        id, source, webhook_id, org_id, entity_type, order_id, item_id, action, \
        version, seq, payload, occurred_at, received_at
        """

    /// The current row of `statement`, selected with `columns`.
    ///
    /// An `item_id` of `''` (how orders are keyed) reads back as nil.
    /// - Throws: `StoreError` `.failed` when the row holds values this build cannot read.
    static func decode(_ statement: SQLiteStatement) throws -> StoredEvent {
        let entity = try statement.text(at: 4)
        let action = try statement.text(at: 7)
        guard let entityType = EntityType(rawValue: entity), let orderAction = OrderAction(rawValue: action) else {
            throw StoreError(.failed, "a stored event has an entity type or action this build does not know")
        }
        let itemID = try statement.text(at: 6)

        let event = OrderEvent(
            entityType: entityType,
            action: orderAction,
            orgID: try statement.text(at: 3),
            orderID: try statement.text(at: 5),
            itemID: itemID.isEmpty ? nil : itemID,
            version: statement.optionalInt64(at: 8),
            occurredAt: statement.optionalText(at: 11),
            dataJSON: try statement.text(at: 10)
        )
        return StoredEvent(
            eventID: try statement.text(at: 0),
            sourceID: try statement.text(at: 1),
            webhookID: try statement.text(at: 2),
            seq: statement.optionalInt64(at: 9),
            receivedAtMillis: try statement.int64(at: 12),
            event: event
        )
    }
}

// Notifications on PostgreSQL: storing them with their recipients, listing a user's, marking them read.

import BridgeCore
import Foundation

extension PostgresStore: NotificationStore {
    /// The columns every notification query selects, read by `decodeListing`; the JSON columns
    /// come back as text.
    private static let notificationColumns = """
        n.id, n.org_id, n.target_user_ids::text, n.title, n.body, n.data::text, n.created_by, n.created_at
        """

    /// Stores `notification` and one recipient row per target (or one `''` row for the whole
    /// organisation) in one transaction, run again after a lost race or connection.
    public func insertNotification(_ notification: NotificationRecord) throws {
        let insert = """
            INSERT INTO notifications (id, org_id, target_user_ids, title, body, data, created_by, created_at)
            VALUES ($1, $2, $3::jsonb, $4, $5, $6::jsonb, $7, $8)
            """
        let recipient = """
            INSERT INTO notification_recipients (org_id, user_id, created_at, notification_id)
            VALUES ($1, $2, $3, $4)
            """
        try pool.withConnection { connection in
            try connection.retrying(attempts: Self.attempts) {
                try connection.transaction {
                    _ = try connection.execute(
                        insert,
                        [
                            .text(notification.id),
                            .text(notification.orgID),
                            .text(notification.targetUserIDsJSON),
                            .text(notification.title),
                            .text(notification.body),
                            .text(notification.dataJSON),
                            .text(notification.createdBy),
                            .integer(notification.createdAtMillis),
                        ]
                    )
                    for userID in notification.isOrgWide ? [""] : notification.targetUserIDs {
                        _ = try connection.execute(
                            recipient,
                            [
                                .text(notification.orgID),
                                .text(userID),
                                .integer(notification.createdAtMillis),
                                .text(notification.id),
                            ]
                        )
                    }
                }
            }
        }
    }

    /// A page of `userID`'s notifications, newest first: the user's own and the organisation's
    /// are read as two ranges of the recipients' primary key and merged.
    ///
    /// - Throws: `StoreError` `.failed` when `limit` is negative.
    public func notifications(
        orgID: String,
        userID: String,
        after cursor: NotificationCursor?,
        limit: Int
    ) throws -> [NotificationListing] {
        guard limit >= 0 else {
            throw StoreError(.failed, "the notification limit must not be negative")
        }
        guard limit > 0 else { return [] }
        let sql = """
            SELECT \(Self.notificationColumns), r.read_at
            FROM (
                SELECT * FROM (\(Self.recipientRange(user: "$2"))) AS own
                UNION ALL
                SELECT * FROM (\(Self.recipientRange(user: "''"))) AS everyone
            ) AS page
            JOIN notifications AS n ON n.id = page.notification_id
            LEFT JOIN notification_reads AS r ON r.notification_id = n.id AND r.user_id = $2
            ORDER BY page.created_at DESC, page.notification_id DESC
            LIMIT $5
            """
        let parameters: [PostgresConnection.Value] = [
            .text(orgID),
            .text(userID),
            .integer(cursor?.createdAtMillis ?? Int64.max),
            .text(cursor?.id ?? ""),
            .integer(Int64(limit)),
        ]
        return try read(sql, parameters) { result in
            try (0..<result.rowCount).map { try Self.decodeListing(result, row: $0) }
        }
    }

    /// Records the first read of notification `id` by `userID`, when it is visible to them.
    public func markNotificationRead(
        id: String,
        orgID: String,
        userID: String,
        atMillis: Int64
    ) throws -> NotificationListing? {
        let visible = """
            SELECT 1 FROM notification_recipients
            WHERE notification_id = $1 AND org_id = $2 AND user_id IN ('', $3)
            LIMIT 1
            """
        let mark = """
            INSERT INTO notification_reads (notification_id, user_id, read_at) VALUES ($1, $2, $3)
            ON CONFLICT (notification_id, user_id) DO NOTHING
            """
        let select = """
            SELECT \(Self.notificationColumns), r.read_at
            FROM notifications AS n
            JOIN notification_reads AS r ON r.notification_id = n.id AND r.user_id = $2
            WHERE n.id = $1
            """
        return try pool.withConnection { connection in
            try connection.retrying(attempts: Self.attempts) {
                try connection.transaction { () throws -> NotificationListing? in
                    guard try connection.execute(visible, [.text(id), .text(orgID), .text(userID)]).rowCount > 0 else {
                        return nil
                    }
                    _ = try connection.execute(mark, [.text(id), .text(userID), .integer(atMillis)])
                    let result = try connection.execute(select, [.text(id), .text(userID)])
                    return result.rowCount > 0 ? try Self.decodeListing(result, row: 0) : nil
                }
            }
        }
    }

    /// One page's worth of one recipient range (`user` is `$2` or `''`), newest first, after
    /// the cursor in `$3` and `$4`.
    private static func recipientRange(user: String) -> String {
        """
        SELECT created_at, notification_id FROM notification_recipients
        WHERE org_id = $1 AND user_id = \(user) AND (created_at, notification_id) < ($3::bigint, $4::text)
        ORDER BY created_at DESC, notification_id DESC LIMIT $5
        """
    }

    /// Row `row` of `result`, selected as `notificationColumns` followed by `read_at`.
    private static func decodeListing(_ result: PostgresResult, row: Int32) throws -> NotificationListing {
        let targetsText = try result.text(row: row, column: 2)
        guard let targets = try? JSONDecoder().decode([String].self, from: Data(targetsText.utf8)) else {
            throw StoreError(.failed, "a stored notification has unreadable targets")
        }
        let notification = NotificationRecord(
            id: try result.text(row: row, column: 0),
            orgID: try result.text(row: row, column: 1),
            targetUserIDs: targets,
            title: try result.text(row: row, column: 3),
            body: try result.text(row: row, column: 4),
            dataJSON: try result.text(row: row, column: 5),
            createdBy: result.optionalText(row: row, column: 6) ?? "",
            createdAtMillis: try result.int64(row: row, column: 7)
        )
        return NotificationListing(
            notification: notification,
            readAtMillis: try result.optionalInt64(row: row, column: 8)
        )
    }
}

// Notifications on SQLite: storing them with their recipients, listing a user's, marking them read.

import BridgeCore
import Foundation

extension SQLiteStore: NotificationStore {
    /// The columns every notification query selects, read by `decodeNotification`.
    private static let notificationColumns = """
        n.id, n.org_id, n.target_user_ids, n.title, n.body, n.data, n.created_by, n.created_at
        """

    /// Stores `notification` and one recipient row per target (or one `''` row for the whole
    /// organisation) in one transaction.
    public func insertNotification(_ notification: NotificationRecord) throws {
        let insert = """
            INSERT INTO notifications (id, org_id, target_user_ids, title, body, data, created_by, created_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            """
        let recipient = """
            INSERT INTO notification_recipients (org_id, user_id, created_at, notification_id)
            VALUES (?1, ?2, ?3, ?4)
            """
        try writer.withLock { connection in
            try connection.transaction {
                try connection.withStatement(insert) { statement in
                    try statement.run([
                        .text(notification.id),
                        .text(notification.orgID),
                        .text(notification.targetUserIDsJSON),
                        .text(notification.title),
                        .text(notification.body),
                        .text(notification.dataJSON),
                        .text(notification.createdBy),
                        .integer(notification.createdAtMillis),
                    ])
                }
                for userID in notification.isOrgWide ? [""] : notification.targetUserIDs {
                    try connection.withStatement(recipient) { statement in
                        try statement.run([
                            .text(notification.orgID),
                            .text(userID),
                            .integer(notification.createdAtMillis),
                            .text(notification.id),
                        ])
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
                SELECT * FROM (\(Self.recipientRange(user: "?2")))
                UNION ALL
                SELECT * FROM (\(Self.recipientRange(user: "''")))
            ) AS page
            JOIN notifications AS n ON n.id = page.notification_id
            LEFT JOIN notification_reads AS r ON r.notification_id = n.id AND r.user_id = ?2
            ORDER BY page.created_at DESC, page.notification_id DESC
            LIMIT ?5
            """
        return try reader.withLock { connection in
            try connection.withStatement(sql) { statement in
                try statement.bind([
                    .text(orgID),
                    .text(userID),
                    .integer(cursor?.createdAtMillis ?? Int64.max),
                    .text(cursor?.id ?? ""),
                    .integer(Int64(limit)),
                ])
                var listings: [NotificationListing] = []
                while try statement.step() {
                    listings.append(try Self.decodeListing(statement))
                }
                return listings
            }
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
            WHERE notification_id = ?1 AND org_id = ?2 AND user_id IN ('', ?3)
            LIMIT 1
            """
        let mark = """
            INSERT INTO notification_reads (notification_id, user_id, read_at) VALUES (?1, ?2, ?3)
            ON CONFLICT (notification_id, user_id) DO NOTHING
            """
        let select = """
            SELECT \(Self.notificationColumns), r.read_at
            FROM notifications AS n
            JOIN notification_reads AS r ON r.notification_id = n.id AND r.user_id = ?2
            WHERE n.id = ?1
            """
        return try writer.withLock { connection in
            try connection.transaction {
                let isVisible = try connection.withStatement(visible) { statement in
                    try statement.bind([.text(id), .text(orgID), .text(userID)])
                    return try statement.step()
                }
                guard isVisible else { return nil }
                try connection.withStatement(mark) { statement in
                    try statement.run([.text(id), .text(userID), .integer(atMillis)])
                }
                return try connection.withStatement(select) { statement in
                    try statement.bind([.text(id), .text(userID)])
                    return try statement.step() ? try Self.decodeListing(statement) : nil
                }
            }
        }
    }

    /// One page's worth of one recipient range (`user` is `?2` or `''`), newest first, after
    /// the cursor in `?3` and `?4`.
    private static func recipientRange(user: String) -> String {
        """
        SELECT created_at, notification_id FROM notification_recipients
        WHERE org_id = ?1 AND user_id = \(user) AND (created_at, notification_id) < (?3, ?4)
        ORDER BY created_at DESC, notification_id DESC LIMIT ?5
        """
    }

    /// The current row, selected as `notificationColumns` followed by `read_at`.
    private static func decodeListing(_ statement: SQLiteStatement) throws -> NotificationListing {
        let targetsText = try statement.text(at: 2)
        guard let targets = try? JSONDecoder().decode([String].self, from: Data(targetsText.utf8)) else {
            throw StoreError(.failed, "a stored notification has unreadable targets")
        }
        let notification = NotificationRecord(
            id: try statement.text(at: 0),
            orgID: try statement.text(at: 1),
            targetUserIDs: targets,
            title: try statement.text(at: 3),
            body: try statement.text(at: 4),
            dataJSON: try statement.text(at: 5),
            createdBy: statement.optionalText(at: 6) ?? "",
            createdAtMillis: try statement.int64(at: 7)
        )
        return NotificationListing(notification: notification, readAtMillis: statement.optionalInt64(at: 8))
    }
}

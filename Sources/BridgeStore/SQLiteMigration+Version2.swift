// Migration 2: who each notification is for, per-user read state, and the audit log's indexes.

extension SQLiteMigration {
    /// Notifications' recipients and reads, and indexes for the notification and audit queries.
    ///
    /// `notification_recipients` holds one row per target user, or one row with `user_id = ''`
    /// for a notification to the whole organisation (ids are never empty, so `''` cannot be a
    /// user); a user's list is then two range reads of its primary key, newest first. Read
    /// state lives in `notification_reads`, one row per user and notification, because an
    /// organisation-wide notification is read by each user separately; the `read_at` column of
    /// `notifications` from migration 1 is left unused.
    static let version2 = SQLiteMigration(
        version: 2,
        sql: """
            CREATE TABLE notification_recipients (
                org_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                notification_id TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
                PRIMARY KEY (org_id, user_id, created_at, notification_id)
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX notification_recipients_notification
                ON notification_recipients (notification_id, user_id);

            CREATE TABLE notification_reads (
                notification_id TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
                user_id TEXT NOT NULL,
                read_at INTEGER NOT NULL,
                PRIMARY KEY (notification_id, user_id)
            ) WITHOUT ROWID;

            DROP INDEX notifications_org_created;
            CREATE INDEX notifications_org_created ON notifications (org_id, created_at DESC, id DESC);

            CREATE INDEX audit_log_org ON audit_log (org_id, id);
            """
    )
}

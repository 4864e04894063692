// Migration 2 for PostgreSQL: notification recipients and reads, and the audit log's indexes.

extension PostgresMigration {
    /// The same tables and indexes as SQLite's migration 2.
    ///
    /// `notification_recipients` holds one row per target user, or one row with `user_id = ''`
    /// for a notification to the whole organisation; `notification_reads` one row per user and
    /// notification read. The `read_at` column of `notifications` from migration 1 is unused.
    static let version2 = PostgresMigration(
        version: 2,
        sql: """
            CREATE TABLE notification_recipients (
                org_id text NOT NULL,
                user_id text NOT NULL,
                created_at bigint NOT NULL,
                notification_id text NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
                PRIMARY KEY (org_id, user_id, created_at, notification_id)
            );
            CREATE UNIQUE INDEX notification_recipients_notification
                ON notification_recipients (notification_id, user_id);

            CREATE TABLE notification_reads (
                notification_id text NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
                user_id text NOT NULL,
                read_at bigint NOT NULL,
                PRIMARY KEY (notification_id, user_id)
            );

            DROP INDEX notifications_org_created;
            CREATE INDEX notifications_org_created ON notifications (org_id, created_at DESC, id DESC);

            CREATE INDEX audit_log_org ON audit_log (org_id, id);
            """
    )
}

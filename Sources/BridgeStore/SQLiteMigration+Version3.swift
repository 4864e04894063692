// Migration 3: the acknowledgement outbox, replacing the placeholder `deliveries` table of version 1.

extension SQLiteMigration {
    /// The `deliveries` outbox.
    ///
    /// Version 1's table was a placeholder that nothing wrote, so it is dropped, not altered.
    /// One row per event and outcome (`UNIQUE (event_id, outcome)`) keeps a duplicate webhook
    /// that arrives again from queueing a second acknowledgement. `org_id` is copied from the
    /// event so that listing by organisation still works after retention deletes the event.
    /// `recipients` is `NULL` until the loop reports the push; `claimed_until` and
    /// `claim_token` are the lease of the sender working on the row.
    static let version3 = SQLiteMigration(
        version: 3,
        sql: """
            DROP TABLE IF EXISTS deliveries;
            CREATE TABLE deliveries (
                id TEXT PRIMARY KEY NOT NULL,
                event_id TEXT NOT NULL,
                source TEXT NOT NULL,
                webhook_id TEXT NOT NULL,
                org_id TEXT NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'stale', 'duplicate')),
                status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
                recipients INTEGER,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL,
                claimed_until INTEGER,
                claim_token TEXT,
                last_http_status INTEGER,
                last_error TEXT,
                delivered_at INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                UNIQUE (event_id, outcome)
            );
            CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
            CREATE INDEX deliveries_org_status ON deliveries (org_id, status, created_at);
            CREATE INDEX deliveries_status_created ON deliveries (status, created_at);
            """
    )
}

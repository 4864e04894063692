// Migration 3 for PostgreSQL: the acknowledgement outbox, as SQLite's version 3 has it.

extension PostgresMigration {
    /// The `deliveries` outbox, column for column and index for index SQLite's.
    ///
    /// Version 1's table was a placeholder that nothing wrote, so it is dropped, not altered.
    /// See `SQLiteMigration.version3` for what each column is for.
    static let version3 = PostgresMigration(
        version: 3,
        sql: """
            DROP TABLE IF EXISTS deliveries;
            CREATE TABLE deliveries (
                id text PRIMARY KEY,
                event_id text NOT NULL,
                source text NOT NULL,
                webhook_id text NOT NULL,
                org_id text NOT NULL,
                outcome text NOT NULL CHECK (outcome IN ('delivered', 'stale', 'duplicate')),
                status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
                recipients bigint,
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at bigint NOT NULL,
                claimed_until bigint,
                claim_token text,
                last_http_status integer,
                last_error text,
                delivered_at bigint NOT NULL,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL,
                CONSTRAINT deliveries_event_outcome_key UNIQUE (event_id, outcome)
            );
            CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
            CREATE INDEX deliveries_org_status ON deliveries (org_id, status, created_at);
            CREATE INDEX deliveries_status_created ON deliveries (status, created_at);
            """
    )
}

// Migration 1 for PostgreSQL: the same logical tables as SQLite's first schema.

extension PostgresMigration {
    /// The first schema, table for table and index for index the one SQLite gets.
    ///
    /// Three choices keep the engines interchangeable. Ids are `text`, not `uuid`: the event id
    /// is the string ingest chose, and `uuid` would hand it back in another case. The event
    /// body is `json`, not `jsonb`: `json` checks the syntax but keeps the exact bytes, which
    /// replay and the conflict check compare, while `jsonb` reorders keys and adds spaces.
    /// Times are `bigint` milliseconds since the epoch, as in SQLite.
    ///
    /// `item_id` is `''` for orders, never `NULL`, so entity keys compare and index as one
    /// value. A row is pushed exactly when it has a `seq`; stale and conflicting rows keep
    /// `NULL`, which `UNIQUE (org_id, seq)` allows many times.
    static let version1 = PostgresMigration(
        version: 1,
        sql: """
            CREATE TABLE events (
                id text PRIMARY KEY,
                source text NOT NULL,
                webhook_id text NOT NULL,
                org_id text NOT NULL,
                entity_type text NOT NULL,
                order_id text NOT NULL,
                item_id text NOT NULL DEFAULT '',
                action text NOT NULL,
                version bigint,
                seq bigint,
                stale boolean NOT NULL DEFAULT false,
                conflict boolean NOT NULL DEFAULT false,
                payload json NOT NULL,
                occurred_at text,
                received_at bigint NOT NULL,
                created_at bigint NOT NULL,
                CONSTRAINT events_source_webhook_key UNIQUE (source, webhook_id),
                CONSTRAINT events_org_seq_key UNIQUE (org_id, seq),
                CONSTRAINT events_seq_unless_stale CHECK ((seq IS NULL) = stale),
                CONSTRAINT events_conflict_is_stale CHECK (NOT conflict OR stale)
            );
            CREATE INDEX events_entity ON events (org_id, entity_type, order_id, item_id, version);
            CREATE INDEX events_received_at ON events (received_at);

            CREATE TABLE org_sequences (
                org_id text PRIMARY KEY,
                last_seq bigint NOT NULL
            );

            CREATE TABLE entity_versions (
                org_id text NOT NULL,
                entity_type text NOT NULL,
                order_id text NOT NULL,
                item_id text NOT NULL,
                version bigint NOT NULL,
                payload text NOT NULL,
                PRIMARY KEY (org_id, entity_type, order_id, item_id)
            );

            CREATE TABLE notifications (
                id text PRIMARY KEY,
                org_id text NOT NULL,
                target_user_ids jsonb NOT NULL,
                title text NOT NULL,
                body text NOT NULL,
                data jsonb NOT NULL,
                created_by text,
                created_at bigint NOT NULL,
                read_at bigint
            );
            CREATE INDEX notifications_org_created ON notifications (org_id, created_at);

            CREATE TABLE audit_log (
                id bigserial PRIMARY KEY,
                at bigint NOT NULL,
                event text NOT NULL,
                outcome text NOT NULL,
                org_id text,
                record text NOT NULL,
                prev_hash text,
                hash text NOT NULL
            );

            CREATE TABLE deliveries (
                id text PRIMARY KEY,
                event_id text NOT NULL,
                source text NOT NULL,
                webhook_id text NOT NULL,
                status text NOT NULL,
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at bigint NOT NULL,
                last_error text,
                body text NOT NULL,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL
            );
            CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
            """
    )
}

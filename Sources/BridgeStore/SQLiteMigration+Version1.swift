// Migration 1: events, sequences, entity versions, and the tables later work will fill.

extension SQLiteMigration {
    /// The first schema.
    ///
    /// `item_id` is `''` for orders, never `NULL`, so that entity keys compare and index as one
    /// value. A row is pushed exactly when it has a `seq`; stale and conflicting rows keep `NULL`,
    /// which `UNIQUE (org_id, seq)` allows many times.
    static let version1 = SQLiteMigration(
        version: 1,
        sql: """
            CREATE TABLE events (
                id TEXT PRIMARY KEY NOT NULL,
                source TEXT NOT NULL,
                webhook_id TEXT NOT NULL,
                org_id TEXT NOT NULL,
                entity_type TEXT NOT NULL,
                order_id TEXT NOT NULL,
                item_id TEXT NOT NULL DEFAULT '',
                action TEXT NOT NULL,
                version INTEGER,
                seq INTEGER,
                stale INTEGER NOT NULL DEFAULT 0 CHECK (stale IN (0, 1)),
                conflict INTEGER NOT NULL DEFAULT 0 CHECK (conflict IN (0, 1)),
                payload TEXT NOT NULL,
                occurred_at TEXT,
                received_at INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                UNIQUE (source, webhook_id),
                UNIQUE (org_id, seq),
                CHECK ((seq IS NULL) = (stale = 1)),
                CHECK (conflict = 0 OR stale = 1)
            );
            CREATE INDEX events_entity ON events (org_id, entity_type, order_id, item_id, version);
            CREATE INDEX events_received_at ON events (received_at);

            CREATE TABLE org_sequences (
                org_id TEXT PRIMARY KEY NOT NULL,
                last_seq INTEGER NOT NULL
            );

            CREATE TABLE entity_versions (
                org_id TEXT NOT NULL,
                entity_type TEXT NOT NULL,
                order_id TEXT NOT NULL,
                item_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                payload TEXT NOT NULL,
                PRIMARY KEY (org_id, entity_type, order_id, item_id)
            );

            CREATE TABLE notifications (
                id TEXT PRIMARY KEY NOT NULL,
                org_id TEXT NOT NULL,
                target_user_ids TEXT NOT NULL,
                title TEXT NOT NULL,
                body TEXT NOT NULL,
                data TEXT NOT NULL,
                created_by TEXT,
                created_at INTEGER NOT NULL,
                read_at INTEGER
            );
            CREATE INDEX notifications_org_created ON notifications (org_id, created_at);

            CREATE TABLE audit_log (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                at INTEGER NOT NULL,
                event TEXT NOT NULL,
                outcome TEXT NOT NULL,
                org_id TEXT,
                record TEXT NOT NULL,
                prev_hash TEXT,
                hash TEXT NOT NULL
            );

            CREATE TABLE deliveries (
                id TEXT PRIMARY KEY NOT NULL,
                event_id TEXT NOT NULL,
                source TEXT NOT NULL,
                webhook_id TEXT NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL,
                last_error TEXT,
                body TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            );
            CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
            """
    )
}

// Whether the tests that need only the shared PostgreSQL (no Redis) run.

extension MultiInstanceEnvironment {
    /// True when `BRIDGE_TEST_POSTGRES_URL` is set, or when `CI=true` (the tests then fail
    /// without it instead of being skipped).
    static let isPostgresEnabled = postgresURL != nil || isRequired
}

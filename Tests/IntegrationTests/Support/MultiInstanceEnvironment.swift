// Whether the multi-instance tests run, and against which PostgreSQL and Redis, from the environment.

import Foundation

/// The services the multi-instance tests need: `BRIDGE_TEST_POSTGRES_URL` and
/// `BRIDGE_TEST_REDIS_URL`, exported by `scripts/test.sh` when it started them.
///
/// Without them the tests are skipped on a developer's machine, and fail when `CI=true`.
enum MultiInstanceEnvironment {
    /// A superuser URL of a PostgreSQL server the tests may create and drop databases on.
    static let postgresURL = variable("BRIDGE_TEST_POSTGRES_URL")
    /// A Redis server shared by the tests; each test uses its own channel prefix on it.
    static let redisURL = variable("BRIDGE_TEST_REDIS_URL")

    /// Whether a missing service fails the tests rather than skipping them.
    static let isRequired = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Whether the tests run at all; when a service is missing they then fail.
    static let isEnabled = (postgresURL != nil && redisURL != nil) || isRequired

    /// The PostgreSQL server URL, or the failure that says why there is none.
    static func requirePostgres() throws -> String {
        guard let postgresURL else { throw missing("BRIDGE_TEST_POSTGRES_URL", "PostgreSQL") }
        return postgresURL
    }

    /// The Redis URL, or the failure that says why there is none.
    static func requireRedis() throws -> String {
        guard let redisURL else { throw missing("BRIDGE_TEST_REDIS_URL", "Redis") }
        return redisURL
    }

    /// A channel prefix no other test uses, so tests that share one Redis never hear each other.
    static func uniqueChannelPrefix() -> String {
        "itest-" + UUID().uuidString.lowercased().prefix(8)
    }

    private static func variable(_ name: String) -> String? {
        let value = ProcessInfo.processInfo.environment[name] ?? ""
        return value.isEmpty ? nil : value
    }

    private static func missing(_ variable: String, _ service: String) -> TestClientError {
        .setup(
            "\(variable) is not set, and CI=true requires the multi-instance tests: "
                + "run scripts/test.sh, or start \(service) and export its URL"
        )
    }
}

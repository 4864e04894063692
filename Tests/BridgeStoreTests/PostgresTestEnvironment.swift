// Whether the PostgreSQL tests run, and against which server, from the test environment.

import Foundation
import Testing

/// The PostgreSQL server the tests may use: `BRIDGE_TEST_POSTGRES_URL`, exported by
/// `scripts/test.sh` when it started a private cluster.
///
/// Without it the PostgreSQL tests are skipped on a developer's machine, but fail when
/// `CI=true`: on CI a missing database must never pass as green.
enum PostgresTestEnvironment {
    /// Why a PostgreSQL test could not start.
    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "BRIDGE_TEST_POSTGRES_URL is not set, and CI=true requires the PostgreSQL tests: "
                + "run scripts/test.sh, or start PostgreSQL and export its URL"
        }
    }

    /// A superuser URL of a server that tests may create and drop databases on.
    static let serverURL: String? = {
        let value = ProcessInfo.processInfo.environment["BRIDGE_TEST_POSTGRES_URL"] ?? ""
        return value.isEmpty ? nil : value
    }()

    /// Whether a missing server fails the tests rather than skipping them.
    static let isRequired = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Whether the PostgreSQL tests run at all; without a server they then fail.
    static let isEnabled = serverURL != nil || isRequired

    /// The server URL, or the failure that explains why there is none.
    static func requireServerURL() throws -> String {
        guard let serverURL else {
            throw Missing()
        }
        return serverURL
    }
}

extension StoreFactory {
    /// PostgreSQL, in a new database on the test server for each test.
    static let postgres = StoreFactory(name: "postgres") { try PostgresTestDatabase() }

    /// `[.postgres]` when the PostgreSQL tests are enabled, `[]` otherwise.
    static let postgresWhenEnabled: [StoreFactory] = PostgresTestEnvironment.isEnabled ? [.postgres] : []
}

extension Trait where Self == ConditionTrait {
    /// Runs a suite only when a test PostgreSQL is configured; under CI=true its absence fails
    /// the run instead (see `PostgresTestEnvironment.requireServerURL`).
    static var needsPostgres: Self {
        .enabled(if: PostgresTestEnvironment.isEnabled, "needs BRIDGE_TEST_POSTGRES_URL (required when CI=true)")
    }
}

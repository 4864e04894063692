// The two store engines a bridge can run on, for tests that must hold on both.

import Foundation

/// SQLite (a file in the server's directory) or PostgreSQL (a scratch database on the test server).
enum StoreEngine: String, CaseIterable, CustomStringConvertible, Sendable {
    /// The embedded default.
    case sqlite
    /// The production store, on `BRIDGE_TEST_POSTGRES_URL`.
    case postgres

    /// Both engines when the PostgreSQL tests are enabled, SQLite alone otherwise.
    static let enabled: [StoreEngine] = MultiInstanceEnvironment.isPostgresEnabled ? allCases : [.sqlite]

    var description: String { rawValue }

    /// A new, empty database of this engine and the overrides that point a bridge at it.
    func freshDatabase() throws -> FreshDatabase {
        switch self {
        case .sqlite:
            return FreshDatabase(scratch: nil, overrides: [:])
        case .postgres:
            let scratch = try ScratchDatabase()
            return FreshDatabase(scratch: scratch, overrides: ["DATABASE_URL": scratch.url])
        }
    }

    /// A database made for one test. Keep it alive (`withExtendedLifetime`) until the bridge
    /// processes using it have stopped: a PostgreSQL one is dropped when it is released.
    struct FreshDatabase {
        /// The PostgreSQL database, nil for SQLite (whose file lives in the server's directory).
        let scratch: ScratchDatabase?
        /// Environment overrides for `BridgeProcess.start`.
        let overrides: [String: String?]
    }
}

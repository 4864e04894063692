// Several `bridge serve` processes sharing one fresh PostgreSQL database and one Redis.

import Foundation

/// The instances of one multi-instance test. They share a scratch database and a Redis, on a
/// channel prefix of their own, so tests running side by side never see each other's events.
final class BridgeCluster {
    /// The database every instance stores into.
    let database: ScratchDatabase
    /// Where the instances' broker is.
    let redisURL: String
    /// The `REDIS_CHANNEL_PREFIX` of this cluster.
    let channelPrefix = MultiInstanceEnvironment.uniqueChannelPrefix()
    /// The instances in the order they were started.
    private(set) var instances: [BridgeProcess] = []
    private let overrides: [String: String?]

    /// Creates the database and starts `count` instances against `redisURL` (the shared test
    /// Redis when nil). `overrides` go to every instance.
    init(count: Int, redisURL: String? = nil, overrides: [String: String?] = [:]) throws {
        database = try ScratchDatabase()
        self.redisURL = try redisURL ?? MultiInstanceEnvironment.requireRedis()
        self.overrides = overrides
        for _ in 0..<count {
            try addInstance()
        }
    }

    deinit {
        // Processes first: the database is dropped when `database` goes.
        for instance in instances { instance.stop(grace: .seconds(3)) }
        instances.removeAll()
    }

    /// The instance at `index`.
    subscript(index: Int) -> BridgeProcess { instances[index] }

    /// Starts one more instance; returns once its health (store and broker) answers 200.
    @discardableResult
    func addInstance() throws -> BridgeProcess {
        var environment: [String: String?] = [
            "DATABASE_URL": database.url,
            "REDIS_URL": redisURL,
            "REDIS_CHANNEL_PREFIX": channelPrefix,
            "LOG_LEVEL": "info",
        ]
        for (name, value) in overrides { environment[name] = value }
        let instance = try BridgeProcess.start(environment)
        instances.append(instance)
        return instance
    }

    /// The last lines of every instance's log, for failure messages.
    func logTails(_ lines: Int = 25) -> String {
        instances.enumerated().map { index, instance in
            "--- instance \(index) (port \(instance.port)) ---\n\(instance.logTail(lines))"
        }.joined(separator: "\n")
    }
}

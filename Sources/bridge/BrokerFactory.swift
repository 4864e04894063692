// Reads `REDIS_URL` and builds the Redis broker that turns on multi-instance mode.

import BridgeBroker
import BridgeCore
import BridgeStore

enum BrokerFactory {
    /// The Redis settings, or nil for a single instance. Multi-instance mode needs a database
    /// every instance shares, so with SQLite it refuses, naming both variables.
    static func configuration(
        _ environment: Environment,
        databaseURL: String
    ) throws(ConfigurationError) -> RedisConfiguration? {
        guard let redis = try RedisConfiguration.load(from: environment) else { return nil }
        guard case .postgres? = try? StoreLocation.parse(databaseURL) else {
            throw ConfigurationError(
                "REDIS_URL",
                "multi-instance mode needs DATABASE_URL=postgres://… (an SQLite file cannot be shared "
                    + "by several instances); unset REDIS_URL to run a single instance"
            )
        }
        return redis
    }

    /// The broker for `redis`, or nil without one.
    static func make(
        _ redis: RedisConfiguration?,
        config: BridgeConfiguration,
        logger: Logger
    ) -> (any EventBroker)? {
        guard let redis else { return nil }
        return RedisBroker(config: redis, logger: logger, maxEventBytes: config.webhookMaxBodyBytes)
    }
}

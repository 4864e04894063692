// `bridge config check`: validate the environment as `serve` would and show the result.

import BridgeCore
import BridgeCrypto
import BridgeStore
import Foundation

enum ConfigCommand {
    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        guard arguments == ["check"] else {
            printError("usage: bridge config check")
            return 64
        }
        let config: BridgeConfiguration
        let redis: RedisConfiguration?
        let synchronous: SQLiteSynchronous?
        let delivery: DeliveryConfiguration
        do {
            config = try BridgeConfiguration.load(from: Environment(environment))
            try checkSecrets(config)
            try checkReadable(config)
            _ = try StoreLocation.parse(config.databaseURL)
            redis = try BrokerFactory.configuration(Environment(environment), databaseURL: config.databaseURL)
            synchronous = try StoreFactory.synchronousMode(Environment(environment))
            delivery = try DeliveryConfiguration.load(from: Environment(environment), sourceIDs: config.sources.keys)
        } catch {
            printError("configuration: \(error)")
            return 78
        }
        let settings =
            effectiveSettings(config, redis: redis, synchronous: synchronous) + deliverySettings(delivery, config)
        for (name, value) in settings {
            print("\(name)=\(value)")
        }
        print("configuration ok")
        return 0
    }

    /// Parses every webhook secret, as `serve` does, so a bad one is named here too.
    private static func checkSecrets(_ config: BridgeConfiguration) throws {
        let crypto = try OpenSSLCrypto()
        for source in config.sources.values {
            for secret in source.secrets {
                do {
                    _ = try WebhookSecret(secret, crypto: crypto)
                } catch {
                    throw ConfigurationError(SourceConfiguration.secretVariable(for: source.id), error.message)
                }
            }
        }
    }

    /// The TLS files must be readable, as `serve` needs them to be.
    private static func checkReadable(_ config: BridgeConfiguration) throws {
        for (variable, path) in [("TLS_CERT_FILE", config.tlsCertFile), ("TLS_KEY_FILE", config.tlsKeyFile)] {
            guard let path, !FileManager.default.isReadableFile(atPath: path) else { continue }
            throw ConfigurationError(variable, "cannot read \(path)")
        }
    }

    /// Every setting with its effective value; secrets show only that they are set, and the
    /// Redis URL shows with its password masked.
    static func effectiveSettings(
        _ config: BridgeConfiguration,
        redis: RedisConfiguration?,
        synchronous: SQLiteSynchronous?
    ) -> [(String, String)] {
        let ws = config.webSocket
        var settings: [(String, String)] = [
            ("HOST", config.host),
            ("PORT", String(config.port)),
            ("DATABASE_URL", (try? StoreLocation.parse(config.databaseURL).description) ?? "(invalid)"),
            ("SQLITE_SYNCHRONOUS", (synchronous ?? .full).rawValue),
            ("JWT_SECRET", "(set, \(config.jwtSecret.count) bytes)"),
            ("WEBHOOK_SOURCES", config.sources.keys.sorted().joined(separator: ",")),
        ]
        for id in config.sources.keys.sorted() {
            let count = config.sources[id]?.secrets.count ?? 0
            settings.append((SourceConfiguration.secretVariable(for: id), "(set, \(count) secret(s))"))
        }
        settings += [
            ("WEBHOOK_TOLERANCE_S", String(config.webhookToleranceSeconds)),
            ("WEBHOOK_MAX_BODY_BYTES", String(config.webhookMaxBodyBytes)),
            ("HTTP_BODY_TIMEOUT_S", String(config.httpBodyTimeoutSeconds)),
            ("ALLOWED_ORIGINS", ws.allowedOrigins.sorted().joined(separator: ",")),
            ("WS_ALLOW_MISSING_ORIGIN", ws.allowMissingOrigin ? "1" : "0"),
            ("WS_MAX_CONNECTIONS", String(ws.maxConnections)),
            ("WS_MAX_CONNECTIONS_PER_IP", String(ws.maxConnectionsPerIP)),
            ("WS_MAX_CONNECTIONS_PER_USER", String(ws.maxConnectionsPerUser)),
            ("WS_RATE_LIMIT_MESSAGES", String(ws.rateLimitMessages)),
            ("WS_RATE_LIMIT_WINDOW_MS", String(ws.rateLimitWindowMillis)),
            ("WS_MAX_MESSAGE_BYTES", String(ws.maxMessageBytes)),
            ("WS_MAX_QUEUE_BYTES", String(ws.maxQueueBytes)),
            ("WS_WRITE_COALESCE_MS", String(ws.writeCoalesceMillis)),
            ("WS_AUTH_TIMEOUT_S", String(ws.authTimeoutSeconds)),
            ("WS_PING_INTERVAL_S", String(ws.pingIntervalSeconds)),
            ("WS_PONG_TIMEOUT_S", String(ws.pongTimeoutSeconds)),
            ("WS_IDLE_TIMEOUT_S", String(ws.idleTimeoutSeconds)),
            ("EVENT_RETENTION_HOURS", String(config.eventRetentionHours)),
            ("REPLAY_MAX_EVENTS", String(config.replayMaxEvents)),
            ("SHUTDOWN_TIMEOUT_S", String(config.shutdownTimeoutSeconds)),
            ("TRUSTED_PROXIES", config.trustedProxies.sorted().joined(separator: ",")),
            ("TLS_CERT_FILE", config.tlsCertFile ?? ""),
            ("TLS_KEY_FILE", config.tlsKeyFile ?? ""),
            ("STATS_TOKEN", config.statsToken == nil ? "" : "(set)"),
            ("REDIS_URL", redis?.description ?? ""),
            ("REDIS_CHANNEL_PREFIX", redis?.channelPrefix ?? "(unused without REDIS_URL)"),
            ("LOG_LEVEL", config.logLevel.rawValue),
            ("LOG_FORMAT", config.logFormat?.rawValue ?? "(json unless stderr is a terminal)"),
        ]
        return settings
    }

    /// The acknowledgement settings: each source's URL (or none) and the retry policy.
    static func deliverySettings(_ delivery: DeliveryConfiguration, _ config: BridgeConfiguration) -> [(String, String)]
    {
        var settings: [(String, String)] = config.sources.keys.sorted().map { id in
            (
                DeliveryConfiguration.ackURLVariable(for: id),
                delivery.ackURLs[id].map(DeliveryConfiguration.redacted) ?? ""
            )
        }
        settings += [
            ("ACK_MAX_ATTEMPTS", String(delivery.retry.maxAttempts)),
            ("ACK_RETRY_BASE_MS", String(delivery.retry.baseDelayMillis)),
            ("ACK_RETRY_MAX_MS", String(delivery.retry.maxDelayMillis)),
            ("ACK_RETRY_JITTER", delivery.retry.jitter.rawValue),
            ("ACK_CONNECT_TIMEOUT_S", String(delivery.connectTimeoutSeconds)),
            ("ACK_TIMEOUT_S", String(delivery.timeoutSeconds)),
            ("ACK_REPORT_GRACE_MS", String(delivery.reportGraceMillis)),
            ("ACK_POLL_INTERVAL_MS", String(delivery.pollIntervalMillis)),
        ]
        return settings
    }
}

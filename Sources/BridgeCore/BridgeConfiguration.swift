// Every setting of `bridge serve`, read once from the environment at start-up.

/// One webhook source: its id and its signing secrets, newest first.
public struct SourceConfiguration: Sendable {
    /// The id in `/webhooks/{sourceId}`.
    public var id: String
    /// `whsec_` secrets as configured; several during a rotation. Validated by the crypto layer.
    public var secrets: [String]

    /// The variable that holds this source's secrets: `WEBHOOK_SECRET_` and the id upper-cased,
    /// every other character than a letter or digit turned into `_`.
    public static func secretVariable(for id: String) -> String {
        let suffix = String(
            id.uppercased().unicodeScalars.map { scalar -> Character in
                let isAlnum = ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                return isAlnum ? Character(scalar) : "_"
            }
        )
        return "WEBHOOK_SECRET_" + suffix
    }
}

/// Limits and timers of the WebSocket side.
public struct WebSocketConfiguration: Sendable {
    /// Largest client message after reassembly, in bytes (`WS_MAX_MESSAGE_BYTES`, 64 KiB).
    public var maxMessageBytes = 64 * 1024
    /// Bytes that may wait in one connection's send queue (`WS_MAX_QUEUE_BYTES`, 1 MiB).
    public var maxQueueBytes = 1024 * 1024
    /// How long a fan-out write waits for more messages to go with it, in milliseconds, once
    /// events come faster than one per window (`WS_WRITE_COALESCE_MS`, 4; 0 writes at once).
    /// A window that held three events or more makes the next one four times as long.
    public var writeCoalesceMillis = 4
    /// Open connections including handshakes (`WS_MAX_CONNECTIONS`, 1000).
    public var maxConnections = 1000
    /// Connections from one IP address (`WS_MAX_CONNECTIONS_PER_IP`, 100).
    public var maxConnectionsPerIP = 100
    /// Connections of one user, identified by organisation and subject (`WS_MAX_CONNECTIONS_PER_USER`, 20).
    public var maxConnectionsPerUser = 20
    /// Client messages allowed per window (`WS_RATE_LIMIT_MESSAGES`, 100).
    public var rateLimitMessages = 100
    /// The rate-limit window in milliseconds (`WS_RATE_LIMIT_WINDOW_MS`, 60000).
    public var rateLimitWindowMillis = 60_000
    /// Seconds without a client message before the connection is closed with 1001
    /// (`WS_IDLE_TIMEOUT_S`, 24 h).
    public var idleTimeoutSeconds = 86_400
    /// Seconds a connection may stay unauthenticated (`WS_AUTH_TIMEOUT_S`, 10).
    public var authTimeoutSeconds = 10
    /// Seconds of silence before the server pings (`WS_PING_INTERVAL_S`, 30).
    public var pingIntervalSeconds = 30
    /// Seconds without any frame before the connection is dropped (`WS_PONG_TIMEOUT_S`, 60).
    public var pongTimeoutSeconds = 60
    /// Accept upgrades without an `Origin` header, for server-side clients (`WS_ALLOW_MISSING_ORIGIN`).
    public var allowMissingOrigin = false
    /// Exact `scheme://host[:port]` origins allowed to connect.
    public var allowedOrigins: Set<String> = []

    /// The defaults listed on each property.
    public init() {}
}

/// The whole configuration of the service.
public struct BridgeConfiguration: Sendable {
    /// Interface to listen on (`HOST`, default 127.0.0.1).
    public var host = "127.0.0.1"
    /// TCP port (`PORT`, default 8080; 0 picks a free one).
    public var port = 8080
    /// Where events are stored (`DATABASE_URL`, default `sqlite:./data/bridge.sqlite3`).
    public var databaseURL = "sqlite:./data/bridge.sqlite3"
    /// Key for HS256 access tokens (`JWT_SECRET`, at least 32 bytes).
    public var jwtSecret: [UInt8] = []
    /// Configured webhook sources, keyed by id (`WEBHOOK_SOURCES`, `WEBHOOK_SECRET_<ID>`).
    public var sources: [String: SourceConfiguration] = [:]
    /// Accepted clock skew of `webhook-timestamp`, in seconds (`WEBHOOK_TOLERANCE_S`, 300).
    public var webhookToleranceSeconds = 300
    /// Largest accepted webhook body, in bytes (`WEBHOOK_MAX_BODY_BYTES`, 1 MiB).
    public var webhookMaxBodyBytes = 1024 * 1024
    /// Longest an HTTP request body may take to arrive, counted from its headers, in seconds
    /// (`HTTP_BODY_TIMEOUT_S`, 60); lws's own timeout restarts with every byte.
    public var httpBodyTimeoutSeconds = 60
    /// Log threshold (`LOG_LEVEL`: trace, debug, info, warning, error).
    public var logLevel = LogLevel.info
    /// Log line format (`LOG_FORMAT`: json or text); nil picks by whether stderr is a terminal.
    public var logFormat: LogFormat?
    /// The WebSocket side.
    public var webSocket = WebSocketConfiguration()
    /// PEM certificate chain for TLS termination (`TLS_CERT_FILE`); with `tlsKeyFile`, serves
    /// `https://` and `wss://` only.
    public var tlsCertFile: String?
    /// PEM private key for TLS termination (`TLS_KEY_FILE`).
    public var tlsKeyFile: String?
    /// Proxy addresses whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`, comma list of IPs).
    public var trustedProxies: Set<String> = []
    /// A bearer token that may read `/api/stats` without an admin JWT (`STATS_TOKEN`, unset).
    public var statsToken: String?
    /// Hours events are kept for resume before the retention job deletes them (`EVENT_RETENTION_HOURS`, 72).
    public var eventRetentionHours = 72
    /// Most events one resume replays; further behind, the client gets `reset` (`REPLAY_MAX_EVENTS`, 10000).
    public var replayMaxEvents = 10_000
    /// Seconds a graceful shutdown may take before connections are dropped (`SHUTDOWN_TIMEOUT_S`, 10).
    public var shutdownTimeoutSeconds = 10

    /// The defaults listed on each property; `JWT_SECRET` and sources still need values.
    public init() {}

    /// Reads every setting; the first bad one stops start-up with its variable's name.
    public static func load(from environment: Environment) throws(ConfigurationError) -> BridgeConfiguration {
        var config = BridgeConfiguration()
        if let host = environment.string("HOST") { config.host = host }
        config.port = try environment.integer("PORT", default: config.port, range: 0...65535)
        if let url = environment.string("DATABASE_URL") { config.databaseURL = url }
        config.jwtSecret = try jwtSecret(environment)
        config.sources = try sources(environment)
        config.webhookToleranceSeconds = try environment.integer(
            "WEBHOOK_TOLERANCE_S",
            default: config.webhookToleranceSeconds,
            range: 1...86_400
        )
        config.webhookMaxBodyBytes = try environment.integer(
            "WEBHOOK_MAX_BODY_BYTES",
            default: config.webhookMaxBodyBytes,
            range: 256...(64 * 1024 * 1024)
        )
        config.httpBodyTimeoutSeconds = try environment.integer(
            "HTTP_BODY_TIMEOUT_S",
            default: config.httpBodyTimeoutSeconds,
            range: 1...3600
        )
        if let level = environment.string("LOG_LEVEL") {
            guard let parsed = LogLevel(rawValue: level.lowercased()) else {
                throw ConfigurationError("LOG_LEVEL", "must be trace, debug, info, warning or error")
            }
            config.logLevel = parsed
        }
        if let format = environment.string("LOG_FORMAT") {
            guard let parsed = LogFormat(rawValue: format.lowercased()) else {
                throw ConfigurationError("LOG_FORMAT", "must be json or text")
            }
            config.logFormat = parsed
        }
        config.webSocket = try webSocket(environment)
        config.trustedProxies = Set(environment.list("TRUSTED_PROXIES"))
        if let entry = config.trustedProxies.sorted().first(where: { !Self.isIPAddress($0) }) {
            throw ConfigurationError("TRUSTED_PROXIES", "\"\(entry.prefix(64))\" is not an IP address")
        }
        config.tlsCertFile = environment.string("TLS_CERT_FILE")
        config.tlsKeyFile = environment.string("TLS_KEY_FILE")
        switch (config.tlsCertFile, config.tlsKeyFile) {
        case (nil, nil), (.some, .some): break
        case (nil, .some): throw ConfigurationError("TLS_CERT_FILE", "is required when TLS_KEY_FILE is set")
        case (.some, nil): throw ConfigurationError("TLS_KEY_FILE", "is required when TLS_CERT_FILE is set")
        }
        if let token = environment.string("STATS_TOKEN") {
            guard token.utf8.count >= 16 else {
                throw ConfigurationError("STATS_TOKEN", "must be at least 16 bytes long")
            }
            config.statsToken = token
        }
        config.eventRetentionHours = try environment.integer(
            "EVENT_RETENTION_HOURS",
            default: config.eventRetentionHours,
            range: 1...87_600
        )
        config.replayMaxEvents = try environment.integer(
            "REPLAY_MAX_EVENTS",
            default: config.replayMaxEvents,
            range: 1...10_000_000
        )
        config.shutdownTimeoutSeconds = try environment.integer(
            "SHUTDOWN_TIMEOUT_S",
            default: config.shutdownTimeoutSeconds,
            range: 1...600
        )
        return config
    }

    /// An IPv4 or IPv6 address in text form, as peers are compared with `TRUSTED_PROXIES`.
    public static func isIPAddress(_ text: String) -> Bool {
        isIPv4(Substring(text)) || isIPv6(Substring(text))
    }

    /// Four decimal numbers from 0 to 255, joined by dots.
    private static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                (1...3).contains(part.count) && part.allSatisfy { $0.isASCII && $0.isNumber }
                    && (Int(part).map { $0 <= 255 } ?? false)
            }
    }

    /// Eight groups of up to four hex digits, at most one `::` standing for a run of zero
    /// groups, and optionally an IPv4 address as the last two.
    private static func isIPv6(_ text: Substring) -> Bool {
        guard text.contains(":"), text.count <= 45 else { return false }
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return false }
        var groups: [Substring] = []
        for half in halves where !half.isEmpty {
            groups += half.split(separator: ":", omittingEmptySubsequences: false)
        }
        var width = groups.count
        if let last = groups.last, last.contains(".") {
            guard isIPv4(last) else { return false }
            groups.removeLast()
            width += 1
        }
        guard groups.allSatisfy({ (1...4).contains($0.count) && $0.allSatisfy { $0.isASCII && $0.isHexDigit } }) else {
            return false
        }
        return halves.count == 2 ? width <= 7 : width == 8
    }

    private static func jwtSecret(_ environment: Environment) throws(ConfigurationError) -> [UInt8] {
        guard let secret = environment.string("JWT_SECRET") else {
            throw ConfigurationError("JWT_SECRET", "is required (at least 32 bytes)")
        }
        let bytes = Array(secret.utf8)
        guard bytes.count >= 32 else {
            throw ConfigurationError("JWT_SECRET", "must be at least 32 bytes long")
        }
        return bytes
    }

    private static func sources(
        _ environment: Environment
    ) throws(ConfigurationError) -> [String: SourceConfiguration] {
        var sources: [String: SourceConfiguration] = [:]
        for id in environment.list("WEBHOOK_SOURCES") {
            guard PayloadValidator.isValidIdentifier(id) else {
                throw ConfigurationError("WEBHOOK_SOURCES", "source ids must be 1–128 characters of [A-Za-z0-9_.:-]")
            }
            let variable = SourceConfiguration.secretVariable(for: id)
            // Two ids reading one secret variable would accept each other's deliveries.
            if let other = sources.values.first(where: { SourceConfiguration.secretVariable(for: $0.id) == variable }) {
                throw ConfigurationError("WEBHOOK_SOURCES", "sources \(other.id) and \(id) would share \(variable)")
            }
            let secrets = environment.list(variable)
            guard !secrets.isEmpty else {
                throw ConfigurationError(variable, "is required for source \(id): one or more whsec_ secrets")
            }
            sources[id] = SourceConfiguration(id: id, secrets: secrets)
        }
        return sources
    }

    private static func webSocket(_ environment: Environment) throws(ConfigurationError) -> WebSocketConfiguration {
        var ws = WebSocketConfiguration()
        ws.maxMessageBytes = try environment.integer(
            "WS_MAX_MESSAGE_BYTES",
            default: ws.maxMessageBytes,
            range: 128...(16 * 1024 * 1024)
        )
        ws.maxQueueBytes = try environment.integer(
            "WS_MAX_QUEUE_BYTES",
            default: ws.maxQueueBytes,
            range: 1024...(1024 * 1024 * 1024)
        )
        ws.writeCoalesceMillis = try environment.integer(
            "WS_WRITE_COALESCE_MS",
            default: ws.writeCoalesceMillis,
            range: 0...1000
        )
        ws.maxConnections = try environment.integer(
            "WS_MAX_CONNECTIONS",
            default: ws.maxConnections,
            range: 1...1_000_000
        )
        ws.maxConnectionsPerIP = try environment.integer(
            "WS_MAX_CONNECTIONS_PER_IP",
            default: ws.maxConnectionsPerIP,
            range: 1...1_000_000
        )
        ws.maxConnectionsPerUser = try environment.integer(
            "WS_MAX_CONNECTIONS_PER_USER",
            default: ws.maxConnectionsPerUser,
            range: 1...1_000_000
        )
        ws.rateLimitMessages = try environment.integer(
            "WS_RATE_LIMIT_MESSAGES",
            default: ws.rateLimitMessages,
            range: 1...1_000_000
        )
        ws.rateLimitWindowMillis = try environment.integer(
            "WS_RATE_LIMIT_WINDOW_MS",
            default: ws.rateLimitWindowMillis,
            range: 100...86_400_000
        )
        ws.idleTimeoutSeconds = try environment.integer(
            "WS_IDLE_TIMEOUT_S",
            default: ws.idleTimeoutSeconds,
            range: 1...604_800
        )
        ws.authTimeoutSeconds = try environment.integer(
            "WS_AUTH_TIMEOUT_S",
            default: ws.authTimeoutSeconds,
            range: 1...3600
        )
        ws.pingIntervalSeconds = try environment.integer(
            "WS_PING_INTERVAL_S",
            default: ws.pingIntervalSeconds,
            range: 1...3600
        )
        ws.pongTimeoutSeconds = try environment.integer(
            "WS_PONG_TIMEOUT_S",
            default: ws.pongTimeoutSeconds,
            range: 2...7200
        )
        guard ws.pongTimeoutSeconds > ws.pingIntervalSeconds else {
            throw ConfigurationError("WS_PONG_TIMEOUT_S", "must be greater than WS_PING_INTERVAL_S")
        }
        ws.allowMissingOrigin = try environment.flag("WS_ALLOW_MISSING_ORIGIN", default: false)
        ws.allowedOrigins = try origins(environment)
        return ws
    }

    private static func origins(_ environment: Environment) throws(ConfigurationError) -> Set<String> {
        var origins: Set<String> = []
        let named =
            environment.list("ALLOWED_ORIGINS").map { ("ALLOWED_ORIGINS", $0) }
            + ["FRONTEND_URL", "REPL_URL"].compactMap { name in environment.string(name).map { (name, $0) } }
        for (variable, value) in named {
            guard let origin = Origin.normalise(value) else {
                throw ConfigurationError(variable, "must be scheme://host[:port] origins (http or https)")
            }
            origins.insert(origin)
        }
        return origins
    }
}

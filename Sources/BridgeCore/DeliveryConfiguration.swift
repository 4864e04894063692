// Settings of delivery acknowledgements, read once from the environment at start-up.

/// Where and how the bridge acknowledges webhooks back to their sources.
public struct DeliveryConfiguration: Sendable {
    /// Acknowledgement URLs by source id (`WEBHOOK_ACK_URL_<ID>`, http or https; unset: none).
    public var ackURLs: [String: String] = [:]
    /// Backoff, attempt budget and dead-lettering (`ACK_MAX_ATTEMPTS`, `ACK_RETRY_BASE_MS`,
    /// `ACK_RETRY_MAX_MS`, `ACK_RETRY_JITTER`).
    public var retry = RetryPolicy()
    /// Seconds to establish a connection (`ACK_CONNECT_TIMEOUT_S`, 5).
    public var connectTimeoutSeconds = 5
    /// Seconds for a whole attempt, connection included (`ACK_TIMEOUT_S`, 15).
    public var timeoutSeconds = 15
    /// Milliseconds an accepted event's acknowledgement waits for its recipient count before it
    /// is sent without one (`ACK_REPORT_GRACE_MS`, 5000). Covers a crash between commit and push.
    public var reportGraceMillis: Int64 = 5_000
    /// Milliseconds between looks for due rows when nothing wakes the worker (`ACK_POLL_INTERVAL_MS`, 500).
    public var pollIntervalMillis = 500
    /// Attempts in flight at once, in all.
    public var maxInFlight = 64
    /// Attempts in flight at once to one source, so a slow source cannot take every slot.
    public var maxInFlightPerSource = 8

    /// The defaults listed on each property, and no acknowledgement URL.
    public init() {}

    /// Whether any source is acknowledged.
    public var isEnabled: Bool { !ackURLs.isEmpty }

    /// Sources that have an acknowledgement URL.
    public var ackSources: Set<String> { Set(ackURLs.keys) }

    /// How long a claimed row stays leased: longer than any attempt can take, so that two
    /// senders never make the same attempt.
    public var leaseMillis: Int64 { Int64(timeoutSeconds + connectTimeoutSeconds) * 1000 + 30_000 }

    /// The variable holding a source's acknowledgement URL: `WEBHOOK_ACK_URL_` and the same
    /// suffix as its `WEBHOOK_SECRET_` variable.
    public static func ackURLVariable(for sourceID: String) -> String {
        let secretVariable = SourceConfiguration.secretVariable(for: sourceID)
        return ackURLPrefix + secretVariable.dropFirst(secretPrefix.count)
    }

    /// Reads the acknowledgement settings of `sourceIDs`; the first bad value stops start-up
    /// with its variable's name. An acknowledgement URL for an unknown source is refused too,
    /// since it is most likely a misspelt one.
    public static func load(
        from environment: Environment,
        sourceIDs: some Sequence<String>
    ) throws(ConfigurationError) -> DeliveryConfiguration {
        var config = DeliveryConfiguration()
        var variables: Set<String> = []
        for id in sourceIDs {
            let variable = ackURLVariable(for: id)
            variables.insert(variable)
            guard let url = environment.string(variable) else { continue }
            guard isAcceptableURL(url) else {
                throw ConfigurationError(variable, "must be an http:// or https:// URL with a host and no credentials")
            }
            config.ackURLs[id] = url
        }
        for name in environment.names(withPrefix: ackURLPrefix) where !variables.contains(name) {
            throw ConfigurationError(name, "names no source of WEBHOOK_SOURCES")
        }

        config.retry.maxAttempts = try environment.integer(
            "ACK_MAX_ATTEMPTS",
            default: config.retry.maxAttempts,
            range: 1...100
        )
        config.retry.baseDelayMillis = Int64(
            try environment.integer(
                "ACK_RETRY_BASE_MS",
                default: Int(config.retry.baseDelayMillis),
                range: 1...3_600_000
            )
        )
        config.retry.maxDelayMillis = Int64(
            try environment.integer(
                "ACK_RETRY_MAX_MS",
                default: Int(config.retry.maxDelayMillis),
                range: 1...86_400_000
            )
        )
        if let jitter = environment.string("ACK_RETRY_JITTER") {
            guard let parsed = RetryPolicy.Jitter(rawValue: jitter.lowercased()) else {
                throw ConfigurationError("ACK_RETRY_JITTER", "must be full or none")
            }
            config.retry.jitter = parsed
        }
        config.connectTimeoutSeconds = try environment.integer(
            "ACK_CONNECT_TIMEOUT_S",
            default: config.connectTimeoutSeconds,
            range: 1...60
        )
        config.timeoutSeconds = try environment.integer(
            "ACK_TIMEOUT_S",
            default: config.timeoutSeconds,
            range: 1...300
        )
        config.reportGraceMillis = Int64(
            try environment.integer(
                "ACK_REPORT_GRACE_MS",
                default: Int(config.reportGraceMillis),
                range: 0...600_000
            )
        )
        config.pollIntervalMillis = try environment.integer(
            "ACK_POLL_INTERVAL_MS",
            default: config.pollIntervalMillis,
            range: 10...60_000
        )
        return config
    }

    /// `url` fit to print: a query string can carry a token, so everything from `?` or `#` on
    /// is replaced by a note that it is there.
    public static func redacted(_ url: String) -> String {
        guard let start = url.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return url }
        return url[..<start] + "?(query hidden)"
    }

    /// Whether `url` is `http://` or `https://` (any case), a host, and then only printable
    /// ASCII: no spaces, no user or password, at most 2048 bytes. libcurl does the full parse.
    public static func isAcceptableURL(_ url: String) -> Bool {
        let bytes = Array(url.utf8)
        guard bytes.count <= 2048, bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return false
        }
        let lowered = url.lowercased()
        guard let scheme = ["http://", "https://"].first(where: { lowered.hasPrefix($0) }) else {
            return false
        }
        let rest = lowered.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.hasPrefix("[") ? authority : authority.prefix { $0 != ":" }
        return !host.isEmpty && !authority.contains("@")
    }

    private static let ackURLPrefix = "WEBHOOK_ACK_URL_"
    private static let secretPrefix = "WEBHOOK_SECRET_"
}

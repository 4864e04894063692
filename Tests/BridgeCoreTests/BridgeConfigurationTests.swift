// Configuration from the environment: every default, every bad value naming its variable, the secret naming rule.

import BridgeCore
import Testing

private let jwtSecret = String(repeating: "j", count: 32)

/// The smallest environment that starts: only the required JWT secret.
private let minimal = ["JWT_SECRET": jwtSecret]

private func load(_ extra: [String: String]) throws(ConfigurationError) -> BridgeConfiguration {
    try BridgeConfiguration.load(from: Environment(minimal.merging(extra) { $1 }))
}

/// An integer setting: its variable, its documented default and how to read it back.
struct IntegerSetting: Sendable, CustomTestStringConvertible {
    var variable: String
    var defaultValue: Int
    var read: @Sendable (BridgeConfiguration) -> Int
    var testDescription: String { variable }
}

private let integerSettings = [
    IntegerSetting(variable: "PORT", defaultValue: 8080) { $0.port },
    IntegerSetting(variable: "WEBHOOK_TOLERANCE_S", defaultValue: 300) { $0.webhookToleranceSeconds },
    IntegerSetting(variable: "WEBHOOK_MAX_BODY_BYTES", defaultValue: 1_048_576) { $0.webhookMaxBodyBytes },
    IntegerSetting(variable: "HTTP_BODY_TIMEOUT_S", defaultValue: 60) { $0.httpBodyTimeoutSeconds },
    IntegerSetting(variable: "EVENT_RETENTION_HOURS", defaultValue: 72) { $0.eventRetentionHours },
    IntegerSetting(variable: "REPLAY_MAX_EVENTS", defaultValue: 10_000) { $0.replayMaxEvents },
    IntegerSetting(variable: "SHUTDOWN_TIMEOUT_S", defaultValue: 10) { $0.shutdownTimeoutSeconds },
    IntegerSetting(variable: "WS_MAX_MESSAGE_BYTES", defaultValue: 65_536) { $0.webSocket.maxMessageBytes },
    IntegerSetting(variable: "WS_MAX_QUEUE_BYTES", defaultValue: 1_048_576) { $0.webSocket.maxQueueBytes },
    IntegerSetting(variable: "WS_WRITE_COALESCE_MS", defaultValue: 4) { $0.webSocket.writeCoalesceMillis },
    IntegerSetting(variable: "WS_MAX_CONNECTIONS", defaultValue: 1000) { $0.webSocket.maxConnections },
    IntegerSetting(variable: "WS_MAX_CONNECTIONS_PER_IP", defaultValue: 100) { $0.webSocket.maxConnectionsPerIP },
    IntegerSetting(variable: "WS_MAX_CONNECTIONS_PER_USER", defaultValue: 20) { $0.webSocket.maxConnectionsPerUser },
    IntegerSetting(variable: "WS_RATE_LIMIT_MESSAGES", defaultValue: 100) { $0.webSocket.rateLimitMessages },
    IntegerSetting(variable: "WS_RATE_LIMIT_WINDOW_MS", defaultValue: 60_000) { $0.webSocket.rateLimitWindowMillis },
    IntegerSetting(variable: "WS_IDLE_TIMEOUT_S", defaultValue: 86_400) { $0.webSocket.idleTimeoutSeconds },
    IntegerSetting(variable: "WS_AUTH_TIMEOUT_S", defaultValue: 10) { $0.webSocket.authTimeoutSeconds },
    IntegerSetting(variable: "WS_PING_INTERVAL_S", defaultValue: 30) { $0.webSocket.pingIntervalSeconds },
    IntegerSetting(variable: "WS_PONG_TIMEOUT_S", defaultValue: 60) { $0.webSocket.pongTimeoutSeconds },
]

/// Values no integer setting accepts.
private let notIntegers = ["abc", "-1", "1.5", "1e3", "0x10", "10s", "99999999999999999999", "٣٠", "1 000", "--5"]

/// A variable and a value it must refuse.
struct BadSetting: Sendable, CustomTestStringConvertible {
    var variable: String
    var value: String
    var testDescription: String { "\(variable)=\(value.debugDescription)" }
}

private let badSettings = [
    BadSetting(variable: "JWT_SECRET", value: String(repeating: "s", count: 31)),
    BadSetting(variable: "LOG_LEVEL", value: "verbose"),
    BadSetting(variable: "LOG_LEVEL", value: "warn"),
    BadSetting(variable: "LOG_LEVEL", value: "info,debug"),
    BadSetting(variable: "LOG_FORMAT", value: "xml"),
    BadSetting(variable: "LOG_FORMAT", value: "logfmt"),
    BadSetting(variable: "WS_ALLOW_MISSING_ORIGIN", value: "maybe"),
    BadSetting(variable: "WS_ALLOW_MISSING_ORIGIN", value: "2"),
    BadSetting(variable: "ALLOWED_ORIGINS", value: "https://app.example.com/path"),
    BadSetting(variable: "ALLOWED_ORIGINS", value: "https://ok.example, null"),
    BadSetting(variable: "ALLOWED_ORIGINS", value: "*"),
    BadSetting(variable: "FRONTEND_URL", value: "ftp://files.example"),
    BadSetting(variable: "FRONTEND_URL", value: "app.example.com"),
    BadSetting(variable: "REPL_URL", value: "http://user@repl.example"),
    BadSetting(variable: "WEBHOOK_SOURCES", value: "bad id"),
    BadSetting(variable: "WEBHOOK_SOURCES", value: "ünicode,ok"),
    BadSetting(variable: "WEBHOOK_SOURCES", value: "shop/eu"),
    BadSetting(variable: "WEBHOOK_SOURCES", value: String(repeating: "s", count: 129)),
    BadSetting(variable: "STATS_TOKEN", value: "short"),
]

@Suite struct BridgeConfigurationTests {
    @Test func minimalEnvironmentGivesEveryDefault() throws {
        let config = try load([:])
        #expect(config.host == "127.0.0.1")
        #expect(config.databaseURL == "sqlite:./data/bridge.sqlite3")
        #expect(config.jwtSecret == Array(jwtSecret.utf8))
        #expect(config.sources.isEmpty)
        #expect(config.logLevel == .info)
        #expect(config.logFormat == nil)
        #expect(config.statsToken == nil)
        #expect(config.webSocket.allowMissingOrigin == false)
        #expect(config.webSocket.allowedOrigins.isEmpty)
    }

    @Test(arguments: integerSettings)
    func integerSettingHasItsDocumentedDefault(_ setting: IntegerSetting) throws {
        #expect(setting.read(try load([:])) == setting.defaultValue)
        #expect(setting.read(try load([setting.variable: "  \(setting.defaultValue)\n"])) == setting.defaultValue)
        #expect(setting.read(try load([setting.variable: "   "])) == setting.defaultValue)
    }

    @Test(arguments: integerSettings, notIntegers)
    func nonIntegerIsRefusedNamingTheVariable(_ setting: IntegerSetting, _ value: String) {
        let error = #expect(throws: ConfigurationError.self) { try load([setting.variable: value]) }
        #expect(error?.variable == setting.variable)
        #expect(error?.description.hasPrefix(setting.variable + ":") == true)
    }

    @Test(arguments: integerSettings)
    func statedRangeIsTheEnforcedRange(_ setting: IntegerSetting) throws {
        // The error states the range; both ends must load and one step outside each must not.
        let error = #expect(throws: ConfigurationError.self) { try load([setting.variable: "-1"]) }
        let words = try #require(error?.reason.split(separator: " "))
        let fromIndex = try #require(words.firstIndex(of: "from"))
        let lower = try #require(Int(words[fromIndex + 1]))
        let upper = try #require(Int(words[fromIndex + 3]))
        // The pong timeout must exceed the ping interval; give the partner setting room at both ends.
        let partner: [String: String] =
            switch setting.variable {
            case "WS_PING_INTERVAL_S": ["WS_PONG_TIMEOUT_S": "7200"]
            case "WS_PONG_TIMEOUT_S": ["WS_PING_INTERVAL_S": "1"]
            default: [:]
            }
        #expect(setting.read(try load(partner.merging([setting.variable: String(lower)]) { $1 })) == lower)
        #expect(setting.read(try load(partner.merging([setting.variable: String(upper)]) { $1 })) == upper)
        #expect((lower...upper).contains(setting.defaultValue))
        for outside in [lower - 1, upper + 1] {
            let refused = #expect(throws: ConfigurationError.self) { try load([setting.variable: String(outside)]) }
            #expect(refused?.variable == setting.variable)
        }
    }

    @Test(arguments: badSettings)
    func badValueIsRefusedNamingTheVariable(_ setting: BadSetting) {
        let error = #expect(throws: ConfigurationError.self) { try load([setting.variable: setting.value]) }
        #expect(error?.variable == setting.variable)
    }

    @Test(arguments: [
        "PORT", "WEBHOOK_TOLERANCE_S", "LOG_LEVEL", "LOG_FORMAT", "WS_ALLOW_MISSING_ORIGIN", "ALLOWED_ORIGINS",
        "FRONTEND_URL", "REPL_URL", "WS_MAX_QUEUE_BYTES", "STATS_TOKEN",
    ])
    func errorNeverQuotesTheValue(_ variable: String) {
        let value = variable == "STATS_TOKEN" ? "s3cr3t!" : "s3cr3t!/path?x"
        let error = #expect(throws: ConfigurationError.self) { try load([variable: value]) }
        #expect(error?.variable == variable)
        #expect(error.map { !$0.description.contains("s3cr3t") } == true)
    }

    @Test func missingOrShortJWTSecretStopsStartUpWithoutQuotingIt() {
        let missing = #expect(throws: ConfigurationError.self) { try BridgeConfiguration.load(from: Environment([:])) }
        #expect(missing?.variable == "JWT_SECRET")
        let short = "tiny-secret-value"
        let error = #expect(throws: ConfigurationError.self) { try load(["JWT_SECRET": short]) }
        #expect(error?.variable == "JWT_SECRET")
        #expect(error.map { !$0.description.contains(short) } == true)
    }

    @Test func plainSettingsAreReadAsGiven() throws {
        let config = try load([
            "HOST": " 0.0.0.0 ", "DATABASE_URL": "postgres://bridge@127.0.0.1/bridge", "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "Text", "STATS_TOKEN": "0123456789abcdef",
        ])
        #expect(config.host == "0.0.0.0")
        #expect(config.databaseURL == "postgres://bridge@127.0.0.1/bridge")
        #expect(config.logLevel == .warning)
        #expect(config.logFormat == .text)
        #expect(config.statsToken == "0123456789abcdef")
    }

    @Test(arguments: LogLevel.allCases)
    func everyLogLevelLoads(_ level: LogLevel) throws {
        #expect(try load(["LOG_LEVEL": level.rawValue]).logLevel == level)
        #expect(try load(["LOG_LEVEL": level.rawValue.uppercased()]).logLevel == level)
    }

    @Test(arguments: [
        ("1", true), ("true", true), ("YES", true), ("on", true), ("0", false), ("false", false), ("No", false),
        ("off", false), ("", false),
    ])
    func missingOriginFlagAcceptsTheUsualSpellings(_ value: String, _ expected: Bool) throws {
        #expect(try load(["WS_ALLOW_MISSING_ORIGIN": value]).webSocket.allowMissingOrigin == expected)
    }

    @Test func originsFromAllThreeVariablesAreNormalisedAndMerged() throws {
        let config = try load([
            "ALLOWED_ORIGINS": " https://App.Example.com:443/ ,, http://127.0.0.1:8081 ,",
            "FRONTEND_URL": "http://localhost:5173/",
            "REPL_URL": "https://repl.example:8443",
        ])
        #expect(
            config.webSocket.allowedOrigins == [
                "https://app.example.com", "http://127.0.0.1:8081", "http://localhost:5173",
                "https://repl.example:8443",
            ]
        )
    }

    @Test func sourcesReadTheirSecretsFromTheNamedVariables() throws {
        let config = try load([
            "WEBHOOK_SOURCES": "shop, erp-eu.1 ,",
            "WEBHOOK_SECRET_SHOP": "whsec_new, whsec_old",
            "WEBHOOK_SECRET_ERP_EU_1": "whsec_only",
        ])
        #expect(Set(config.sources.keys) == ["shop", "erp-eu.1"])
        #expect(config.sources["shop"]?.secrets == ["whsec_new", "whsec_old"])
        #expect(config.sources["erp-eu.1"]?.secrets == ["whsec_only"])
        #expect(config.sources["erp-eu.1"]?.id == "erp-eu.1")
    }

    @Test(arguments: ["", " ", ", ,"])
    func sourceWithoutSecretsNamesItsSecretVariable(_ secrets: String) {
        let error = #expect(throws: ConfigurationError.self) {
            try load(["WEBHOOK_SOURCES": "shop-eu", "WEBHOOK_SECRET_SHOP_EU": secrets])
        }
        #expect(error?.variable == "WEBHOOK_SECRET_SHOP_EU")
    }

    @Test(arguments: [
        ("demo", "WEBHOOK_SECRET_DEMO"), ("Demo", "WEBHOOK_SECRET_DEMO"), ("shop-eu", "WEBHOOK_SECRET_SHOP_EU"),
        ("a.b:c_d-e", "WEBHOOK_SECRET_A_B_C_D_E"), ("erp2", "WEBHOOK_SECRET_ERP2"), ("9", "WEBHOOK_SECRET_9"),
        ("...", "WEBHOOK_SECRET____"), ("x", "WEBHOOK_SECRET_X"),
    ])
    func secretVariableFollowsTheNamingRule(_ id: String, _ variable: String) {
        #expect(SourceConfiguration.secretVariable(for: id) == variable)
    }

    @Test(arguments: ["shop,SHOP", "shop-eu,shop.eu", "shop-eu,shop_eu"])
    func sourcesSharingASecretVariableAreRefused(_ sources: String) throws {
        // Both ids read WEBHOOK_SECRET_SHOP…, so a delivery signed for one source verifies for the other.
        do {
            let error = #expect(throws: ConfigurationError.self) {
                try load([
                    "WEBHOOK_SOURCES": sources, "WEBHOOK_SECRET_SHOP": "whsec_a", "WEBHOOK_SECRET_SHOP_EU": "whsec_b",
                ])
            }
            #expect(error?.variable == "WEBHOOK_SOURCES")
        }
    }

    @Test func pongTimeoutNotAbovePingIntervalIsRefused() throws {
        // The connection is dropped after WS_PONG_TIMEOUT_S without a frame; at or below the ping interval an
        // idle but healthy client is dropped before it is ever pinged.
        do {
            let error = #expect(throws: ConfigurationError.self) {
                try load(["WS_PING_INTERVAL_S": "30", "WS_PONG_TIMEOUT_S": "30"])
            }
            #expect(error?.variable == "WS_PONG_TIMEOUT_S" || error?.variable == "WS_PING_INTERVAL_S")
        }
    }
}

@Suite struct TrustedProxyAddressTests {
    @Test(arguments: [
        "127.0.0.1", "10.0.0.1", "255.255.255.255", "0.0.0.0", "::1", "::", "fe80::1", "2001:db8::8a2e:370:7334",
        "::ffff:192.0.2.1", "1:2:3:4:5:6:7:8", "1::", "ABCD:ef01::9",
    ])
    func addressesAreAccepted(_ text: String) {
        #expect(BridgeConfiguration.isIPAddress(text))
    }

    @Test(arguments: [
        "", "abc", "256.1.1.1", "1.2.3", "1.2.3.4.5", "1234.1.1.1", " 1.2.3.4", "+1.2.3.4", "１.2.3.4", "10.0.0.0/8",
        "1:2:3:4:5:6:7:8:9", ":::", "1::2::3", "12345::", "::ffff:1.2.3", "1::2:", "g::1", "localhost",
    ])
    func otherTextIsRefused(_ text: String) {
        #expect(!BridgeConfiguration.isIPAddress(text))
    }
}

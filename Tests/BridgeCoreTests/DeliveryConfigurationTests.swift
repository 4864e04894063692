// Acknowledgement settings from the environment: URLs per source, defaults, and refusals naming the variable.

import BridgeCore
import Testing

@Suite("Delivery configuration")
struct DeliveryConfigurationTests {
    static func load(
        _ values: [String: String],
        sources: [String] = ["shop", "pos-2"]
    ) throws(ConfigurationError)
        -> DeliveryConfiguration
    {
        try DeliveryConfiguration.load(from: Environment(values), sourceIDs: sources)
    }

    @Test("Nothing set: acknowledgements off, documented defaults")
    func defaults() throws {
        let config = try Self.load([:])
        #expect(!config.isEnabled)
        #expect(config.retry == RetryPolicy())
        #expect(config.retry.maxAttempts == 12)
        #expect(config.retry.baseDelayMillis == 5_000)
        #expect(config.retry.maxDelayMillis == 3_600_000)
        #expect(config.retry.jitter == .full)
        #expect(config.connectTimeoutSeconds == 5)
        #expect(config.timeoutSeconds == 15)
        #expect(config.reportGraceMillis == 5_000)
        #expect(config.leaseMillis > Int64(config.timeoutSeconds) * 1000)
    }

    @Test("URL variables follow the secret variable's naming rule")
    func urlVariableNames() {
        #expect(DeliveryConfiguration.ackURLVariable(for: "shop") == "WEBHOOK_ACK_URL_SHOP")
        #expect(DeliveryConfiguration.ackURLVariable(for: "pos-2") == "WEBHOOK_ACK_URL_POS_2")
        #expect(DeliveryConfiguration.ackURLVariable(for: "a.b:c") == "WEBHOOK_ACK_URL_A_B_C")
    }

    @Test("Each source with a URL is acknowledged; the others are not")
    func urlsPerSource() throws {
        let config = try Self.load([
            "WEBHOOK_ACK_URL_SHOP": "https://erp.example/acks?tenant=7",
            "ACK_MAX_ATTEMPTS": "3",
            "ACK_RETRY_BASE_MS": "250",
            "ACK_RETRY_MAX_MS": "1000",
            "ACK_RETRY_JITTER": "None",
            "ACK_TIMEOUT_S": "2",
            "ACK_REPORT_GRACE_MS": "0",
        ])
        #expect(config.ackURLs == ["shop": "https://erp.example/acks?tenant=7"])
        #expect(config.ackSources == ["shop"])
        #expect(config.retry.maxAttempts == 3)
        #expect(config.retry.baseDelayMillis == 250)
        #expect(config.retry.maxDelayMillis == 1_000)
        #expect(config.retry.jitter == RetryPolicy.Jitter.none)
        #expect(config.timeoutSeconds == 2)
        #expect(config.reportGraceMillis == 0)
    }

    @Test(
        "Bad values stop start-up, naming the variable",
        arguments: [
            ("WEBHOOK_ACK_URL_SHOP", "ftp://erp.example/acks"),
            ("WEBHOOK_ACK_URL_SHOP", "file:///etc/passwd"),
            ("WEBHOOK_ACK_URL_SHOP", "https://"),
            ("WEBHOOK_ACK_URL_SHOP", "https://user:pw@erp.example/acks"),
            ("WEBHOOK_ACK_URL_SHOP", "https://erp.example/a b"),
            ("WEBHOOK_ACK_URL_SHOP", "https://erp.example/ä"),
            ("WEBHOOK_ACK_URL_SHPO", "https://erp.example/acks"),
            ("ACK_MAX_ATTEMPTS", "0"),
            ("ACK_MAX_ATTEMPTS", "twelve"),
            ("ACK_RETRY_BASE_MS", "0"),
            ("ACK_RETRY_JITTER", "half"),
            ("ACK_TIMEOUT_S", "0"),
            ("ACK_CONNECT_TIMEOUT_S", "61"),
            ("ACK_REPORT_GRACE_MS", "-1"),
            ("ACK_POLL_INTERVAL_MS", "1"),
        ]
    )
    func badValues(variable: String, value: String) {
        #expect(throws: ConfigurationError.self) { try Self.load([variable: value]) }
        do {
            _ = try Self.load([variable: value])
        } catch {
            #expect(error.variable == variable)
            #expect(!error.description.contains(value) || value.count < 10)
        }
    }

    @Test(
        "Accepted URLs",
        arguments: [
            "http://127.0.0.1:9000/ack",
            "HTTPS://erp.example",
            "https://[::1]:8443/acks",
            "https://erp.example:443/path?x=1#frag",
        ]
    )
    func acceptedURLs(url: String) {
        #expect(DeliveryConfiguration.isAcceptableURL(url))
    }
}

// `REDIS_URL` and `REDIS_CHANNEL_PREFIX`: every accepted form, every refused one naming the
// variable and never the value, and a description that masks the password.

import BridgeCore
import Testing

/// A URL and what it must parse to.
struct AcceptedRedisURL: Sendable, CustomTestStringConvertible {
    var url: String
    var host: String
    var port: Int
    var username: String?
    var password: String?
    var database: Int
    var testDescription: String { url }
}

private let accepted = [
    AcceptedRedisURL(url: "redis://localhost", host: "localhost", port: 6379, database: 0),
    AcceptedRedisURL(url: "redis://127.0.0.1:6380/", host: "127.0.0.1", port: 6380, database: 0),
    AcceptedRedisURL(url: "REDIS://cache.internal:1/15", host: "cache.internal", port: 1, database: 15),
    AcceptedRedisURL(url: "redis://[::1]:7000/2", host: "::1", port: 7000, database: 2),
    AcceptedRedisURL(url: "redis://[::1]", host: "::1", port: 6379, database: 0),
    AcceptedRedisURL(
        url: "redis://:s3cret@redis:6379/0",
        host: "redis",
        port: 6379,
        password: "s3cret",
        database: 0
    ),
    AcceptedRedisURL(
        url: "redis://bridge:p%40ss%3Aw%2Frd@redis_1:65535/3",
        host: "redis_1",
        port: 65_535,
        username: "bridge",
        password: "p@ss:w/rd",
        database: 3
    ),
]

private let refused = [
    "", "localhost:6379", "http://localhost", "rediss://localhost", "redis://", "redis://:6379",
    "redis://host:0", "redis://host:65536", "redis://host:port", "redis://host:-1", "redis://host:+1",
    "redis://host:6379/x", "redis://host/65536", "redis://host/-1", "redis://host/1/2", "redis://host?db=1",
    "redis://host#x", "redis://ho st", "redis://host:1:2", "redis://::1", "redis://[::1", "redis://[::1]x",
    "redis://[zz]:1", "redis://user@host", "redis://user:@host", "redis://:@host", "redis://:%zz@host",
    "redis://:%ff@host", "redis://:pw@", "redis://h\u{00E9}st",
]

@Suite
struct RedisConfigurationTests {
    @Test(arguments: accepted)
    func aGoodURLGivesItsParts(_ expected: AcceptedRedisURL) throws {
        let config = try RedisConfiguration.parse(expected.url)
        #expect(config.host == expected.host)
        #expect(config.port == expected.port)
        #expect(config.username == expected.username)
        #expect(config.password == expected.password)
        #expect(config.database == expected.database)
        #expect(config.channelPrefix == "bridge")
    }

    @Test(arguments: refused)
    func aBadURLIsRefusedNamingTheVariableNotTheValue(_ url: String) {
        do {
            _ = try RedisConfiguration.parse(url)
            Issue.record("accepted \(url)")
        } catch {
            #expect(error.variable == "REDIS_URL")
            if url.count > 12 {
                #expect(!error.description.contains(url), "\(error)")
            }
        }
    }

    @Test
    func theDescriptionMasksThePassword() throws {
        let config = try RedisConfiguration.parse("redis://bridge:hunter2hunter2@10.0.0.5:6390/4")
        #expect(config.description == "redis://bridge:***@10.0.0.5:6390/4")
        #expect(try RedisConfiguration.parse("redis://[::1]").description == "redis://[::1]:6379/0")
    }

    @Test(arguments: [
        ("redis://us%0Aer:hunter2@h", "redis://us%0Aer:***@h:6379/0"),
        ("redis://alice%3Ahunter2:x@h", "redis://alice%3Ahunter2:***@h:6379/0"),
        ("redis://a%40b:hunter2@h", "redis://a%40b:***@h:6379/0"),
        ("redis://d%C3%A9j%C3%A0-vu_1.~:hunter2@h", "redis://d%C3%A9j%C3%A0-vu_1.~:***@h:6379/0"),
    ])
    func theDescriptionShowsTheUserAsItWasEscaped(_ url: String, _ shown: String) throws {
        // Decoded, a newline would split the line `config check` prints, and a colon or @ would
        // make the user look like a password that was not masked.
        #expect(try RedisConfiguration.parse(url).description == shown)
    }

    @Test
    func withoutREDIS_URLThereIsNoBroker() throws {
        #expect(try RedisConfiguration.load(from: Environment(["REDIS_CHANNEL_PREFIX": "x"])) == nil)
        #expect(try RedisConfiguration.load(from: Environment(["REDIS_URL": "  "])) == nil)
    }

    @Test(arguments: ["", "staging", "prod.eu-1"])
    func theChannelPrefixNamesEveryChannel(_ prefix: String) throws {
        var environment = ["REDIS_URL": "redis://redis"]
        if !prefix.isEmpty { environment["REDIS_CHANNEL_PREFIX"] = prefix }
        let config = try #require(try RedisConfiguration.load(from: Environment(environment)))
        let expected = prefix.isEmpty ? "bridge" : prefix
        #expect(config.channel(orgID: "acme") == "\(expected):events:acme")
        #expect(config.channelPattern == "\(expected):events:*")
        #expect(config.orgID(fromChannel: "\(expected):events:acme") == "acme")
        #expect(config.orgID(fromChannel: "\(expected):events:a b") == nil)
        #expect(config.orgID(fromChannel: "\(expected):events:") == nil)
        #expect(config.orgID(fromChannel: "elsewhere:events:acme") == nil)
    }

    @Test(arguments: ["a b", "x/y", String(repeating: "p", count: 65), "préfixe"])
    func aBadChannelPrefixIsRefusedNamingIt(_ prefix: String) {
        let environment = Environment(["REDIS_URL": "redis://redis", "REDIS_CHANNEL_PREFIX": prefix])
        #expect(throws: ConfigurationError.self) { try RedisConfiguration.load(from: environment) }
        do {
            _ = try RedisConfiguration.load(from: environment)
        } catch {
            #expect(error.variable == "REDIS_CHANNEL_PREFIX")
        }
    }
}

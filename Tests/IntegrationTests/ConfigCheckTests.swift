// `bridge config check`: a valid environment is echoed with every secret masked; a bad one is
// refused with status 78 naming the variable, before anything is opened or served.

import Foundation
import Testing

@Suite(.serialized)
struct ConfigCheckTests {
    static let redisPassword = "redis-pw-that-must-not-leak-0925"
    static let statsToken = "stats-token-that-must-not-leak-3318"

    private func environment(in directory: URL) -> [String: String] {
        [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": directory.path,
            "HOST": "127.0.0.1",
            "PORT": "0",
            "DATABASE_URL": "postgres://bridge@127.0.0.1:1/bridge",
            "JWT_SECRET": TestJWT.secret,
            "WEBHOOK_SOURCES": "shop",
            "WEBHOOK_SECRET_SHOP": WebhookSender.secret,
            "STATS_TOKEN": Self.statsToken,
            "REDIS_URL": "redis://:\(Self.redisPassword)@127.0.0.1:6390/2",
            "REDIS_CHANNEL_PREFIX": "orders-eu",
        ]
    }

    private func scratchDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("bridge-config-check-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func validEnvironmentIsShownWithSecretsMasked() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CLIResult.run(["config", "check"], environment: environment(in: directory), in: directory)

        #expect(result.status == 0, "status \(String(describing: result.status)): \(result.stderr)")
        #expect(result.stdout.contains("configuration ok"))
        #expect(result.stdout.contains("REDIS_CHANNEL_PREFIX=orders-eu"))
        #expect(result.stdout.contains("REDIS_URL=redis://"))
        #expect(result.stdout.contains("127.0.0.1:6390"))
        let printed = result.stdout + result.stderr
        for secret in [Self.redisPassword, Self.statsToken, TestJWT.secret, WebhookSender.secret] {
            #expect(!printed.contains(secret), "a secret was printed")
        }
    }

    /// Settings `serve` refuses at start-up; the check must refuse them too, by name.
    static let badSettings: [(String, String)] = [
        ("WS_MAX_CONNECTIONS", "-3"),
        ("ACK_MAX_ATTEMPTS", "abc"),
        ("ACK_RETRY_JITTER", "some"),
        ("ACK_TIMEOUT_S", "0"),
        ("WEBHOOK_ACK_URL_SHOP", "ftp://acks.example/x"),
        ("WEBHOOK_ACK_URL_NOBODY", "https://acks.example/x"),
        ("SQLITE_SYNCHRONOUS", "off"),
        ("TRUSTED_PROXIES", "10.0.0.1,abc"),
    ]

    @Test func unreadableTLSFilesAreRefusedByName() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var environment = environment(in: directory)
        environment["TLS_CERT_FILE"] = directory.appendingPathComponent("missing-cert.pem").path
        environment["TLS_KEY_FILE"] = directory.appendingPathComponent("missing-key.pem").path
        let result = try CLIResult.run(["config", "check"], environment: environment, in: directory)

        #expect(result.status == 78, "status \(String(describing: result.status)): \(result.stderr)")
        #expect(result.stderr.contains("TLS_CERT_FILE: cannot read"), "\(result.stderr)")
    }

    @Test(arguments: badSettings)
    func badValueIsRefusedByName(_ setting: (String, String)) throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var environment = environment(in: directory)
        environment[setting.0] = setting.1
        let result = try CLIResult.run(["config", "check"], environment: environment, in: directory)

        #expect(result.status == 78, "status \(String(describing: result.status)): \(result.stderr)")
        #expect(result.stderr.contains(setting.0), "\(result.stderr)")
        #expect(result.stderr.hasPrefix("bridge: configuration:") || result.stderr.contains("configuration:"))
        #expect(!result.stdout.contains("configuration ok"))
    }

    @Test func acknowledgementSettingsAreShown() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var environment = environment(in: directory)
        environment["WEBHOOK_ACK_URL_SHOP"] = "https://acks.example/orders?token=ack-token-that-must-not-leak"
        environment["ACK_MAX_ATTEMPTS"] = "7"
        environment["SQLITE_SYNCHRONOUS"] = "NORMAL"
        let result = try CLIResult.run(["config", "check"], environment: environment, in: directory)

        #expect(result.status == 0, "status \(String(describing: result.status)): \(result.stderr)")
        for line in [
            "WEBHOOK_ACK_URL_SHOP=https://acks.example/orders?(query hidden)", "ACK_MAX_ATTEMPTS=7",
            "SQLITE_SYNCHRONOUS=normal",
        ] {
            #expect(result.stdout.contains(line + "\n"), "missing \(line):\n\(result.stdout)")
        }
        #expect(!result.stdout.contains("ack-token-that-must-not-leak"))
    }
}

extension ConfigCheckTests {
    /// A HOST that is no local address used to be logged by lws and then served on nothing.
    @Test(arguments: ["notahost", "999.1.1.1"])
    func serveOnAHostThatIsNotHereStopsWith71(_ host: String) throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var environment = environment(in: directory)
        environment["REDIS_URL"] = nil
        environment["DATABASE_URL"] = "sqlite:" + directory.appendingPathComponent("bridge.sqlite3").path
        environment["HOST"] = host
        environment["PORT"] = String(try LoopbackSocket.freePort())
        environment["ALLOWED_ORIGINS"] = "http://localhost:3000"
        let result = try CLIResult.run(["serve"], environment: environment, in: directory, timeout: .seconds(15))

        #expect(result.status == 71, "status \(String(describing: result.status)): \(result.stderr.suffix(400))")
        #expect(result.stderr.contains("cannot listen on \(host):"), "\(result.stderr.suffix(400))")
    }
}

// Start-up refusals of multi-instance mode (issue 9): REDIS_URL with SQLite, and a malformed
// REDIS_URL, each stop `bridge serve` and `bridge config check` with status 78, naming the
// variable and never the password.

import Foundation
import Testing

@Suite(.serialized)
struct MultiInstanceConfigurationTests {
    /// A password that must never appear in any output.
    static let password = "pw-that-must-not-leak-0417"

    /// A bad setting, and the words the refusal must contain.
    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var databaseURL: String?
        var redisURL: String
        var mentions: [String]
        var testDescription: String { name }
    }

    static let refusals = [
        Refusal(
            name: "REDIS_URL with SQLite",
            databaseURL: nil,
            redisURL: "redis://:\(password)@127.0.0.1:6379/0",
            mentions: ["REDIS_URL", "DATABASE_URL=postgres", "SQLite"]
        ),
        Refusal(
            name: "REDIS_URL with the default database",
            databaseURL: "",
            redisURL: "redis://127.0.0.1:6379",
            mentions: ["REDIS_URL", "DATABASE_URL=postgres"]
        ),
        Refusal(
            name: "a REDIS_URL that is not redis://",
            databaseURL: "postgres://bridge@127.0.0.1:1/bridge",
            redisURL: "http://:\(password)@127.0.0.1:6379",
            mentions: ["REDIS_URL", "redis://"]
        ),
        Refusal(
            name: "a REDIS_URL with a bad port",
            databaseURL: "postgres://bridge@127.0.0.1:1/bridge",
            redisURL: "redis://:\(password)@127.0.0.1:99999",
            mentions: ["REDIS_URL", "port"]
        ),
        Refusal(
            name: "TLS to Redis",
            databaseURL: "postgres://bridge@127.0.0.1:1/bridge",
            redisURL: "rediss://:\(password)@127.0.0.1:6380",
            mentions: ["REDIS_URL", "rediss://"]
        ),
    ]

    /// The commands that read the configuration and must refuse it alike.
    static let commands = [["serve"], ["config", "check"]]

    @Test(arguments: refusals, commands)
    func refusesNamingTheVariable(_ refusal: Refusal, _ command: [String]) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("bridge-mi-config-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": directory.path,
            "HOST": "127.0.0.1",
            "PORT": "0",
            "DATABASE_URL": "sqlite:\(directory.path)/bridge.sqlite3",
            "JWT_SECRET": TestJWT.secret,
            "WEBHOOK_SOURCES": "shop",
            "WEBHOOK_SECRET_SHOP": WebhookSender.secret,
            "REDIS_URL": refusal.redisURL,
        ]
        if let databaseURL = refusal.databaseURL {
            environment["DATABASE_URL"] = databaseURL.isEmpty ? nil : databaseURL
        }
        let result = try CLIResult.run(command, environment: environment, in: directory)
        #expect(result.status == 78, "status \(String(describing: result.status)): \(result.stderr)")
        for word in refusal.mentions {
            #expect(result.stderr.contains(word), "the refusal does not mention \(word): \(result.stderr)")
        }
        #expect(!(result.stdout + result.stderr).contains(Self.password), "the password was printed")
    }
}

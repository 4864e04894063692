// Starts the real `bridge serve` binary on a free loopback port with its own data directory.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A running `bridge serve` child process. Each instance owns a fresh temporary directory (the
/// SQLite file and the captured stdout/stderr live there) and removes it when released.
final class BridgeProcess {
    /// The one browser origin the test servers allow.
    static let allowedOrigin = "http://localhost:3000"
    /// How many times `start` polls `/api/health`, 100 ms apart, before giving up.
    static let healthAttempts = 100

    /// The loopback port the server listens on.
    let port: UInt16
    /// The temporary directory holding the database and the logs.
    let directory: URL
    /// The full environment the server runs with.
    let environment: [String: String]

    private var process: Process?
    private let isUp: (UInt16) -> Bool
    private var stdoutURL: URL { directory.appendingPathComponent("stdout.log") }
    private var stderrURL: URL { directory.appendingPathComponent("stderr.log") }

    /// Starts a server with the standard test configuration; `overrides` replace or add variables,
    /// and a nil value removes one. Returns once `isUp` says so: by default, once
    /// `GET /api/health` answers 200 over plain HTTP.
    static func start(
        _ overrides: [String: String?] = [:],
        isUp: @escaping (UInt16) -> Bool = BridgeProcess.answersHealth
    ) throws -> BridgeProcess {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("bridge-itest-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try LoopbackSocket.freePort()
        var environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": directory.path,
            "HOST": "127.0.0.1",
            "PORT": String(port),
            "DATABASE_URL": "sqlite:\(directory.path)/bridge.sqlite3",
            "JWT_SECRET": TestJWT.secret,
            "WEBHOOK_SOURCES": "shop",
            "WEBHOOK_SECRET_SHOP": WebhookSender.secret,
            "ALLOWED_ORIGINS": allowedOrigin,
            "LOG_LEVEL": "debug",
        ]
        for (name, value) in overrides {
            environment[name] = value
        }
        let server = BridgeProcess(port: port, directory: directory, environment: environment, isUp: isUp)
        try server.launch()
        return server
    }

    /// Whether `GET /api/health` on `port` answers 200 over plain HTTP.
    static func answersHealth(_ port: UInt16) -> Bool {
        (try? TestHTTPClient(port: port, timeout: .seconds(1)).get("/api/health"))?.status == 200
    }

    private init(port: UInt16, directory: URL, environment: [String: String], isUp: @escaping (UInt16) -> Bool) {
        self.port = port
        self.directory = directory
        self.environment = environment
        self.isUp = isUp
    }

    deinit {
        if let process, process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            _ = Self.waitForExit(process, within: .seconds(5))
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// True while the child process runs.
    var isRunning: Bool { process?.isRunning ?? false }

    /// The child's process id while it runs, for reading its `/proc` entries.
    var processIdentifier: Int32? {
        guard let process, process.isRunning else { return nil }
        return process.processIdentifier
    }

    /// Sends SIGTERM, waits up to `grace` for the exit, then SIGKILL. Returns the exit status.
    @discardableResult
    func stop(grace: Duration = .seconds(5)) -> Int32? {
        guard let process else { return nil }
        if process.isRunning {
            process.terminate()
            if !Self.waitForExit(process, within: grace) {
                Glibc.kill(process.processIdentifier, SIGKILL)
                _ = Self.waitForExit(process, within: .seconds(5))
            }
        }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Sends SIGKILL and waits (bounded) for the process to go.
    func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        _ = Self.waitForExit(process, within: .seconds(5))
    }

    /// Stops the server and starts it again on the same port and data directory.
    func restart() throws {
        stop()
        try launch()
    }

    /// Everything the server wrote to stdout and stderr so far.
    var log: String {
        let out = (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        return out + err
    }

    /// The last `lines` lines of the log, for failure messages.
    func logTail(_ lines: Int = 40) -> String {
        log.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// The path of the `bridge` executable: `BRIDGE_BINARY`, else beside the test bundle, else
    /// the package's `.build/debug/bridge`.
    static func binaryURL() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["BRIDGE_BINARY"], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw TestClientError.setup("BRIDGE_BINARY=\(path) is not an executable file")
            }
            return URL(fileURLWithPath: path)
        }
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent(),
            packageRoot.appendingPathComponent(".build/debug"),
        ].map { $0.appendingPathComponent("bridge").standardizedFileURL }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            var looked: [String] = []
            for candidate in candidates where !looked.contains(candidate.path) {
                looked.append(candidate.path)
            }
            let list = looked.joined(separator: ", ")
            throw TestClientError.setup("no bridge executable (looked at \(list)); run `swift build` first")
        }
        return found
    }

    /// Runs `bridge <arguments>` to completion (bounded by `timeout`) with this server's environment.
    func runCLI(_ arguments: [String], timeout: Duration = .seconds(20)) throws -> CLIResult {
        try CLIResult.run(arguments, environment: environment, in: directory, timeout: timeout)
    }

    private func launch() throws {
        let child = Process()
        child.executableURL = try Self.binaryURL()
        child.arguments = ["serve"]
        child.environment = environment
        child.currentDirectoryURL = directory
        child.standardInput = FileHandle.nullDevice
        child.standardOutput = try Self.appendingHandle(stdoutURL)
        child.standardError = try Self.appendingHandle(stderrURL)
        try child.run()
        process = child
        try waitUntilHealthy()
    }

    private func waitUntilHealthy() throws {
        for _ in 0..<Self.healthAttempts {
            guard let process, process.isRunning else {
                throw TestClientError.setup("bridge serve exited during start-up; log:\n\(logTail())")
            }
            if isUp(port) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        throw TestClientError.setup("bridge serve never answered GET /api/health with 200; log:\n\(logTail())")
    }

    private static func appendingHandle(_ url: URL) throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: url.path) {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
        return handle
    }

    /// Polls until `process` exits or `bound` passes; true when it exited.
    static func waitForExit(_ process: Process, within bound: Duration) -> Bool {
        let deadline = ContinuousClock.now + bound
        while process.isRunning, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        return !process.isRunning
    }
}

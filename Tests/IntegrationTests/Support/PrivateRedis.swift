// A redis-server of a test's own on a free loopback port, which the test may stop and start again.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A private Redis: no persistence, loopback only. Stopping it and starting it again keeps the
/// port, so bridge processes configured with `url` find it again.
final class PrivateRedis {
    /// How many times `start` polls for the port, 50 ms apart.
    static let readyAttempts = 100

    /// The loopback port it listens on.
    let port: UInt16
    /// `redis://127.0.0.1:<port>/0`.
    var url: String { "redis://127.0.0.1:\(port)/0" }
    private var process: Process?
    private let directory: URL

    /// Starts a server on a free port; throws a setup error when `redis-server` is missing.
    init() throws {
        port = try LoopbackSocket.freePort()
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("redis-itest-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The path of `redis-server`, or nil when it is not installed.
    static var binary: String? {
        ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// True while the server process runs.
    var isRunning: Bool { process?.isRunning ?? false }

    /// Starts the server (again) on `port` and returns once it accepts connections.
    func start() throws {
        guard !isRunning else { return }
        guard let binary = Self.binary else {
            throw TestClientError.setup("redis-server not found; install the redis-server package")
        }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: binary)
        child.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--dir", directory.path,
            "--logfile", directory.appendingPathComponent("redis.log").path,
        ]
        child.standardInput = FileHandle.nullDevice
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        process = child
        for _ in 0..<Self.readyAttempts {
            guard child.isRunning else { break }
            if let socket = try? LoopbackSocket.connect(port: port, timeout: .milliseconds(200)) {
                socket.close()
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw TestClientError.setup("redis-server did not start on 127.0.0.1:\(port)")
    }

    /// Kills the server at once, as a crash or a network cut would look to its clients.
    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        _ = BridgeProcess.waitForExit(process, within: .seconds(5))
    }
}

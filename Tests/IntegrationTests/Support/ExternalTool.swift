// Runs a tool other than `bridge` (openssl, curl, promtool, pg_ctl, python3) to completion or in
// the background, with its output captured in files so that a chatty child never blocks on a pipe.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One external program, found at the first executable path of its candidates.
struct ExternalTool {
    /// The program's absolute path.
    let path: String

    /// The first of `candidates` that is an executable file; throws a setup error naming `package`
    /// when there is none.
    init(_ candidates: [String], package: String) throws {
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            let list = candidates.joined(separator: ", ")
            throw TestClientError.setup("\(package) is not installed (looked at \(list)); run scripts/setup.sh")
        }
        path = found
    }

    /// Whether any of `candidates` is an executable file.
    static func exists(_ candidates: [String]) -> Bool {
        candidates.contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs the program with `arguments` and waits for it, killing it after `timeout`.
    /// `input` is its standard input; `environment` nil keeps the test process's environment.
    func run(
        _ arguments: [String],
        input: [UInt8] = [],
        environment: [String: String]? = nil,
        timeout: Duration = .seconds(20)
    ) throws -> CLIResult {
        let started = try start(arguments, input: input, environment: environment)
        return started.finish(within: timeout)
    }

    /// Starts the program in the background; `finish(within:)` waits for it.
    func start(
        _ arguments: [String],
        input: [UInt8] = [],
        environment: [String: String]? = nil
    ) throws -> Running {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tool-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let running = Running(directory: directory)
        try Data(input).write(to: running.stdinURL)
        _ = FileManager.default.createFile(atPath: running.stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: running.stderrURL.path, contents: nil)

        let child = running.process
        child.executableURL = URL(fileURLWithPath: path)
        child.arguments = arguments
        if let environment { child.environment = environment }
        child.currentDirectoryURL = directory
        child.standardInput = try FileHandle(forReadingFrom: running.stdinURL)
        child.standardOutput = try FileHandle(forWritingTo: running.stdoutURL)
        child.standardError = try FileHandle(forWritingTo: running.stderrURL)
        try child.run()
        return running
    }

    /// A program started in the background, with its output files.
    final class Running {
        /// The child process.
        let process = Process()
        fileprivate let directory: URL
        fileprivate var stdinURL: URL { directory.appendingPathComponent("stdin") }
        fileprivate var stdoutURL: URL { directory.appendingPathComponent("stdout") }
        fileprivate var stderrURL: URL { directory.appendingPathComponent("stderr") }

        fileprivate init(directory: URL) {
            self.directory = directory
        }

        deinit {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                _ = BridgeProcess.waitForExit(process, within: .seconds(5))
            }
            try? FileManager.default.removeItem(at: directory)
        }

        /// What the program wrote to standard output so far.
        var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }

        /// Waits (at most `bound`) for the exit, killing the program when it runs longer.
        func finish(within bound: Duration) -> CLIResult {
            if !BridgeProcess.waitForExit(process, within: bound) {
                kill(process.processIdentifier, SIGKILL)
                _ = BridgeProcess.waitForExit(process, within: .seconds(5))
            }
            return CLIResult(
                status: process.isRunning || process.terminationReason != .exit ? nil : process.terminationStatus,
                stdout: stdout,
                stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
            )
        }
    }
}

extension ExternalTool {
    /// `openssl`, for the self-signed certificates of the TLS tests.
    static func openssl() throws -> ExternalTool {
        try ExternalTool(["/usr/bin/openssl"], package: "openssl")
    }

    /// `curl`, the HTTPS client of the TLS tests.
    static func curl() throws -> ExternalTool {
        try ExternalTool(["/usr/bin/curl"], package: "curl")
    }

    /// `promtool` of the Debian `prometheus` package, which lints `/metrics`.
    static func promtool() throws -> ExternalTool {
        try ExternalTool(["/usr/bin/promtool"], package: "prometheus (for promtool)")
    }

    /// Python 3 with its standard library, which runs the wss client.
    static func python() throws -> ExternalTool {
        try ExternalTool(["/usr/bin/python3", "/usr/local/bin/python3"], package: "python3")
    }
}

// Runs a `bridge` subcommand (token, send, --help) as a child process and captures what it printed.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The exit status and output of one `bridge` command-line run.
struct CLIResult {
    /// The exit status; nil when the run was killed for taking too long.
    var status: Int32?
    /// Everything written to stdout.
    var stdout: String
    /// Everything written to stderr.
    var stderr: String

    /// Runs `bridge <arguments>` with exactly `environment`, killing it after `timeout`.
    /// Output goes to files in `directory`, so a chatty child can never block on a full pipe.
    static func run(
        _ arguments: [String],
        environment: [String: String],
        in directory: URL,
        timeout: Duration = .seconds(20)
    ) throws -> CLIResult {
        let name = UUID().uuidString
        let stdoutURL = directory.appendingPathComponent("cli-\(name).out")
        let stderrURL = directory.appendingPathComponent("cli-\(name).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: stdoutURL)
            try? FileManager.default.removeItem(at: stderrURL)
        }

        let child = Process()
        child.executableURL = try BridgeProcess.binaryURL()
        child.arguments = arguments
        child.environment = environment
        child.currentDirectoryURL = directory
        child.standardInput = FileHandle.nullDevice
        child.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        child.standardError = try FileHandle(forWritingTo: stderrURL)
        try child.run()
        if !BridgeProcess.waitForExit(child, within: timeout) {
            kill(child.processIdentifier, SIGKILL)
            _ = BridgeProcess.waitForExit(child, within: .seconds(5))
        }
        return CLIResult(
            status: child.isRunning || child.terminationReason != .exit ? nil : child.terminationStatus,
            stdout: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        )
    }
}

// A PostgreSQL 15 cluster of a test's own on a free loopback port, which the test may stop and
// start again to take the database away from a running bridge.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A private cluster in a temporary directory: trust authentication, loopback only, no fsync.
/// Stopping it and starting it again keeps the port, so a bridge configured with `url` finds it
/// again. PostgreSQL refuses to run as root, so as root the cluster belongs to `postgres`.
final class PrivatePostgres {
    /// Where Debian installs the server programs.
    static let binaries = "/usr/lib/postgresql/15/bin"
    /// How many times `start` asks `pg_isready`, 100 ms apart.
    static let readyAttempts = 300

    /// Whether the server programs are installed (and, as root, the `postgres` account exists).
    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "\(binaries)/initdb")
            && FileManager.default.isExecutableFile(atPath: "\(binaries)/pg_ctl")
            && (getuid() != 0 || getpwnam("postgres") != nil)
    }

    /// Whether the tests that need a private cluster run: when PostgreSQL is installed, or always
    /// under `CI=true`, where a missing installation is a failure.
    static let isEnabled = isAvailable || MultiInstanceEnvironment.isRequired

    /// The loopback port it listens on.
    let port: UInt16
    /// `postgres://postgres@127.0.0.1:<port>/postgres`.
    var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }
    private let directory: URL
    private var launchers: [ExternalTool.Running] = []
    private var dataDirectory: String { directory.appendingPathComponent("data").path }

    /// Creates the cluster on a free port and starts it.
    init() throws {
        guard Self.isAvailable else {
            throw TestClientError.setup("PostgreSQL 15 is not installed in \(Self.binaries) (package postgresql-15)")
        }
        port = try LoopbackSocket.freePort()
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("postgres-itest-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if getuid() == 0, let account = getpwnam("postgres") {
            guard chown(directory.path, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
                throw TestClientError.system("chown \(directory.path)", errno)
            }
        }
        let initdb = try run(
            "initdb",
            ["-D", dataDirectory, "-U", "postgres", "--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C"]
        )
        guard initdb.status == 0 else {
            throw TestClientError.setup("initdb failed: \(initdb.stdout.suffix(500)) \(initdb.stderr.suffix(500))")
        }
        try start()
    }

    deinit {
        _ = try? run("pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "-t", "20", "stop"])
        releaseLaunchers()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts the server (again) and returns once it accepts connections.
    ///
    /// `pg_ctl start` is not waited for: Foundation sees a child as running until every process
    /// that inherited its watch descriptor is gone, and the postmaster is one of them. Readiness is
    /// asked of `pg_isready` instead, and the launcher is kept until the cluster is stopped.
    func start() throws {
        let options = [
            "-p \(port)", "-k \(directory.path)", "-c listen_addresses=127.0.0.1", "-c fsync=off",
            "-c synchronous_commit=off",
        ]
        let logFile = directory.appendingPathComponent("server.log").path
        launchers.append(
            try tool("pg_ctl").start(
                prefix("pg_ctl") + ["-D", dataDirectory, "-l", logFile, "-o", options.joined(separator: " "), "start"]
            )
        )
        let ready = try ExternalTool(["\(Self.binaries)/pg_isready"], package: "postgresql-15")
        for _ in 0..<Self.readyAttempts {
            if try ready.run(["-q", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres"]).status == 0 { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        throw TestClientError.setup("PostgreSQL did not become ready on port \(port): \(log.suffix(800))")
    }

    /// Stops the server the way an operator would (`pg_ctl stop -m fast`): sessions are ended and
    /// the port closes. Returns once it is down.
    func stop() throws {
        let stopped = try run("pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "-t", "30", "stop"])
        guard stopped.status == 0 else {
            throw TestClientError.setup("pg_ctl stop failed: \(stopped.stderr.suffix(300))")
        }
        releaseLaunchers()
    }

    /// Drops the `pg_ctl start` launchers once Foundation has seen them end with the postmaster,
    /// so that none is ever signalled after its process id could have been reused.
    private func releaseLaunchers() {
        for launcher in launchers {
            _ = BridgeProcess.waitForExit(launcher.process, within: .seconds(5))
        }
        launchers.removeAll()
    }

    /// Runs one of the server programs to completion, as `postgres` when this process is root.
    private func run(_ program: String, _ arguments: [String]) throws -> CLIResult {
        try tool(program).run(prefix(program) + arguments, timeout: .seconds(60))
    }

    /// The tool that runs `program`: `runuser` when this process is root, else the program itself.
    private func tool(_ program: String) throws -> ExternalTool {
        guard getuid() == 0 else {
            return try ExternalTool(["\(Self.binaries)/\(program)"], package: "postgresql-15")
        }
        return try ExternalTool(["/usr/sbin/runuser", "/sbin/runuser"], package: "util-linux (runuser)")
    }

    /// The arguments that come before `program`'s own: `runuser`'s and the program, when it is used.
    private func prefix(_ program: String) -> [String] {
        getuid() == 0 ? ["-u", "postgres", "--", "\(Self.binaries)/\(program)"] : []
    }
}

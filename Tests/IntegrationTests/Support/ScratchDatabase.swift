// A PostgreSQL database of its own for one test, created and dropped through `psql`.

import Foundation

/// A new, empty database `bridge_mi_<random>` on the test server. The bridge processes migrate it.
final class ScratchDatabase {
    /// The database's name: plain letters, digits and underscores, safe to write into SQL.
    let name: String
    /// A URL for the new database: the server's URL with its path replaced.
    let url: String
    private let serverURL: String

    /// Creates the database on the server `MultiInstanceEnvironment` names.
    init() throws {
        serverURL = try MultiInstanceEnvironment.requirePostgres()
        name = "bridge_mi_" + UUID().uuidString.lowercased().filter { $0 != "-" }
        guard var components = URLComponents(string: serverURL) else {
            throw TestClientError.setup("BRIDGE_TEST_POSTGRES_URL is not a URL")
        }
        components.path = "/\(name)"
        guard let url = components.string else {
            throw TestClientError.setup("cannot build a URL for the test database")
        }
        self.url = url
        try Self.psql(serverURL, "CREATE DATABASE \(name) TEMPLATE template0 ENCODING 'UTF8'")
    }

    deinit {
        try? Self.psql(serverURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// Runs one SQL statement on the database and returns what `psql` printed (unaligned, no header).
    func query(_ sql: String) throws -> String {
        try Self.psql(url, sql)
    }

    @discardableResult
    private static func psql(_ url: String, _ sql: String) throws -> String {
        let candidates = ["/usr/bin/psql", "/usr/lib/postgresql/15/bin/psql"]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestClientError.setup("psql not found (looked at \(candidates.joined(separator: ", ")))")
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("psql-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: path)
        child.arguments = ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]
        child.standardInput = FileHandle.nullDevice
        child.standardOutput = try FileHandle(forWritingTo: output)
        child.standardError = child.standardOutput
        try child.run()
        guard BridgeProcess.waitForExit(child, within: .seconds(20)) else {
            child.terminate()
            throw TestClientError.timedOut("psql")
        }
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard child.terminationStatus == 0 else {
            throw TestClientError.setup("psql failed (\(child.terminationStatus)): \(text.prefix(500))")
        }
        return text
    }
}

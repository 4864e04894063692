// The security audit trail on the real binary: one safe line per record, aggregation, the audit
// API, and `bridge audit verify` against a tampered log on SQLite and PostgreSQL.

import BridgeCore
import Foundation
import Testing

/// A change to one `audit_log` row and the row `bridge audit verify` must then name.
struct AuditTampering: Sendable, CustomTestStringConvertible {
    var name: String
    var sql: String
    var brokenRow: Int
    var reason: String

    var testDescription: String { name }

    static let all = [
        AuditTampering(
            name: "edited record",
            sql: "UPDATE audit_log SET record = replace(record, '\"denied\"', '\"allowed\"') WHERE id = 2",
            brokenRow: 2,
            reason: "hash does not match"
        ),
        AuditTampering(
            name: "edited column",
            sql: "UPDATE audit_log SET org_id = 'globex' WHERE id = 2",
            brokenRow: 2,
            reason: "column org_id"
        ),
        AuditTampering(
            name: "deleted row",
            sql: "DELETE FROM audit_log WHERE id = 2",
            brokenRow: 3,
            reason: "prev_hash"
        ),
    ]
}

@Suite(.serialized, .timeLimit(.minutes(5)))
struct AuditTests {
    static let admin = TestJWT.make(sub: "alice", org: "acme", role: "admin")
    static let member = TestJWT.make(sub: "bob", org: "acme", role: "member")

    @Test
    func hostileUserAgentAndTitleLeaveExactlyOneParseableLineEach() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let forged = #"[SECURITY_AUDIT] {"event":"FORGED","outcome":"allowed"}"#
        let userAgents = [
            #"Mozilla/5.0 "quoted", "outcome":"allowed""#,
            "separator\u{2028}line\u{2029}paragraph " + forged,
            #"back\slash\" "# + forged,
        ]
        let titles = [
            "CR\r" + forged,
            "LF\n" + forged,
            "CRLF\r\n" + forged,
            "U+2028\u{2028}" + forged,
            #"quotes "title":"x", \"escaped\""#,
        ]
        var sent: [(userAgent: String, title: String, response: HTTPResponse)] = []
        for userAgent in userAgents {
            for title in titles {
                let body = AuditTrail.json(["title": title, "body": "b"])
                let response = try AuditTrail.call(
                    server,
                    "POST",
                    "/api/notifications",
                    token: Self.admin,
                    body: body,
                    headers: [("User-Agent", userAgent)]
                )
                #expect(response.status == 201, "\(response.summary)")
                sent.append((userAgent, title, response))
            }
        }
        for (userAgent, title, response) in sent {
            let record = AuditTrail.record(of: response, in: server)
            #expect(record?["userAgent"]?.stringValue == userAgent)
            #expect(record?["metadata"]?["title"]?.stringValue == title)
        }
        // Raw CR and LF cannot travel inside an HTTP header value: the server takes the header
        // to end there. Whatever it keeps, the request still leaves exactly one record.
        for userAgent in ["bare\r" + forged, "crlf\r\n" + forged] {
            let response = try AuditTrail.call(
                server,
                "POST",
                "/api/notifications",
                token: Self.admin,
                body: #"{"title":"raw","body":"b"}"#,
                headers: [("User-Agent", userAgent)]
            )
            #expect(response.status == 201, "\(response.summary)")
            let recorded = AuditTrail.record(of: response, in: server)?["userAgent"]?.stringValue ?? ""
            #expect(!recorded.contains("\r") && !recorded.contains("\n"), "\(recorded.debugDescription)")
            sent.append((userAgent, "raw", response))
        }

        let lines = server.log.split(separator: "\n", omittingEmptySubsequences: false)
        let auditLines = lines.filter { $0.hasPrefix(AuditTrail.prefix) }
        #expect(auditLines.count == AuditTrail.records(server).count, "every audit line parses")
        #expect(auditLines.allSatisfy { $0.utf8.allSatisfy { (0x20..<0x7F).contains($0) } })
        #expect(!lines.contains { $0.contains("FORGED") && !$0.hasPrefix(AuditTrail.prefix) && $0.hasPrefix("[") })
        #expect(AuditTrail.records(server).allSatisfy { $0["event"]?.stringValue != "FORGED" })
        #expect(auditLines.filter { $0.contains("NOTIFICATION_CREATED") }.count == sent.count)
    }

    @Test
    func floodOfBadTokensFromOneAddressIsAggregated() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        var requestIDs: Set<String> = []
        for _ in 0..<30 {
            let response = try AuditTrail.call(server, "POST", "/api/notifications", body: #"{"title":"t","body":"b"}"#)
            #expect(response.status == 401)
            requestIDs.formUnion(response.header("x-request-id").map { [$0] } ?? [])
        }
        _ = AuditTrail.records(of: requestIDs.sorted().first ?? "", in: server, within: .milliseconds(500))
        let written = AuditTrail.records(server).filter {
            $0["event"]?.stringValue == "NOTIFICATION_DENIED" && requestIDs.contains($0["requestId"]?.stringValue ?? "")
        }
        // One per minute; two when the burst happened to straddle a minute boundary.
        #expect((1...2).contains(written.count), "\(written)")
        #expect(written.first?["metadata"]?["reason"]?.stringValue == "missing_token")
    }

    @Test
    func auditAPIGivesAdminsTheirOrganisationsRecordsNewestFirstInPages() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        var created: [String] = []
        for index in 0..<3 {
            let response = try AuditTrail.call(
                server,
                "POST",
                "/api/notifications",
                token: Self.admin,
                body: #"{"title":"N\#(index)","body":""}"#
            )
            created.append(try #require(response.json?["id"]?.stringValue))
        }
        let other = TestJWT.make(sub: "eve", org: "globex", role: "admin")
        _ = try AuditTrail.call(server, "POST", "/api/notifications", token: other, body: #"{"title":"G","body":""}"#)

        // Records reach the table just after their line; wait (bounded) for all three.
        var records: [JSONValue] = []
        for _ in 0..<100 {
            let page = try AuditTrail.call(server, "GET", "/api/audit?limit=200", token: Self.admin)
            try #require(page.status == 200, "\(page.summary)")
            records = AuditTrail.array(page.json?["records"])
            let ids = records.compactMap { $0["record"]?["metadata"]?["notificationId"]?.stringValue }
            if created.allSatisfy(ids.contains) { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let ids = records.compactMap { $0["id"]?.integerValue }
        #expect(ids == ids.sorted(by: >))
        #expect(records.allSatisfy { $0["record"]?["org"]?.stringValue == "acme" })
        let createdOrder = records.compactMap { $0["record"]?["metadata"]?["notificationId"]?.stringValue }
        #expect(createdOrder == created.reversed())
        #expect(records.allSatisfy { $0["hash"]?.stringValue?.count == 64 && $0["prevHash"]?.stringValue?.count == 64 })

        var paged: [Int64] = []
        var path = "/api/audit?limit=2"
        for _ in 0..<100 {
            let page = try AuditTrail.call(server, "GET", path, token: Self.admin)
            paged += AuditTrail.array(page.json?["records"]).compactMap { $0["id"]?.integerValue }
            guard let next = page.json?["nextCursor"]?.stringValue else { break }
            path = "/api/audit?limit=2&cursor=\(next)"
        }
        #expect(Array(paged.suffix(ids.count)) == ids, "pages end with the records read in one go")

        for (path, field) in [
            ("/api/audit?limit=0", "limit"), ("/api/audit?limit=x", "limit"), ("/api/audit?cursor=zz", "cursor"),
        ] {
            let refused = try AuditTrail.call(server, "GET", path, token: Self.admin)
            #expect(refused.status == 400, "\(path)")
            #expect(refused.json?["error"]?["field"]?.stringValue == field)
        }
    }

    @Test(arguments: AuditTampering.all)
    func verifyNamesTheTamperedRowOnSQLite(_ tampering: AuditTampering) throws {
        let server = try BridgeProcess.start()
        try Self.writeSomeRecords(server)
        server.stop()

        let intact = try server.runCLI(["audit", "verify"])
        #expect(intact.status == 0, "\(intact.stderr)")
        let count = try #require(Self.intactCount(intact.stdout), "\(intact.stdout)")
        #expect(count >= 4)

        let database = server.directory.appendingPathComponent("bridge.sqlite3").path
        let script =
            "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute(sys.argv[2])\nc.commit()\nc.close()"
        let edit = try Self.runTool("python3", ["-c", script, database, tampering.sql])
        try #require(edit.status == 0, "python3: \(edit.output)")

        let broken = try server.runCLI(["audit", "verify"])
        #expect(broken.status == 1, "\(broken.stdout) \(broken.stderr)")
        #expect(broken.stderr.contains("row \(tampering.brokenRow):"), "\(broken.stderr)")
        #expect(broken.stderr.contains(tampering.reason), "\(broken.stderr)")
    }

    @Test(
        .enabled(if: AuditPostgres.isEnabled, "needs BRIDGE_TEST_POSTGRES_URL (required when CI=true)"),
        arguments: AuditTampering.all
    )
    func verifyNamesTheTamperedRowOnPostgreSQL(_ tampering: AuditTampering) throws {
        let database = try AuditPostgres.createDatabase()
        defer { AuditPostgres.dropDatabase(database.name) }
        let server = try BridgeProcess.start(["DATABASE_URL": database.url])
        try Self.writeSomeRecords(server)
        server.stop()

        let intact = try server.runCLI(["audit", "verify"])
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect((Self.intactCount(intact.stdout) ?? 0) >= 4, "\(intact.stdout)")

        let edit = try Self.runTool("psql", [database.url, "-v", "ON_ERROR_STOP=1", "-q", "-c", tampering.sql])
        try #require(edit.status == 0, "psql: \(edit.output)")

        let broken = try server.runCLI(["audit", "verify"])
        #expect(broken.status == 1, "\(broken.stdout) \(broken.stderr)")
        #expect(broken.stderr.contains("row \(tampering.brokenRow):"), "\(broken.stderr)")
        #expect(broken.stderr.contains(tampering.reason), "\(broken.stderr)")
    }

    /// Makes the server write at least four records, the second of them a denial in `acme`,
    /// and waits until the fourth is on its way to the table.
    private static func writeSomeRecords(_ server: BridgeProcess) throws {
        let calls: [(String, String)] = [(admin, "First"), (member, "Denied"), (admin, "Third"), (admin, "Fourth")]
        var last: HTTPResponse?
        for (token, title) in calls {
            last = try AuditTrail.call(
                server,
                "POST",
                "/api/notifications",
                token: token,
                body: AuditTrail.json(["title": title, "body": "b"])
            )
            // One at a time, so that rows 1 to 4 are these four in this order.
            if let last { _ = AuditTrail.record(of: last, in: server) }
        }
    }

    /// N from `audit chain intact: N records`.
    private static func intactCount(_ output: String) -> Int? {
        let prefix = "audit chain intact: "
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return nil }
        return Int(line.dropFirst(prefix.count).split(separator: " ").first ?? "")
    }

    /// Runs a tool from `PATH` to completion (at most 20 s) and returns its status and output.
    static func runTool(_ name: String, _ arguments: [String]) throws -> (status: Int32?, output: String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("audit-tool-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        child.arguments = [name] + arguments
        let handle = try FileHandle(forWritingTo: output)
        child.standardOutput = handle
        child.standardError = handle
        child.standardInput = FileHandle.nullDevice
        try child.run()
        if !BridgeProcess.waitForExit(child, within: .seconds(20)) {
            child.terminate()
            _ = BridgeProcess.waitForExit(child, within: .seconds(5))
        }
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return (child.isRunning ? nil : child.terminationStatus, text)
    }
}

/// A PostgreSQL database of its own for one test, on the server `BRIDGE_TEST_POSTGRES_URL` names.
enum AuditPostgres {
    /// The test server's URL, when set.
    static let serverURL: String? = {
        let value = ProcessInfo.processInfo.environment["BRIDGE_TEST_POSTGRES_URL"] ?? ""
        return value.isEmpty ? nil : value
    }()

    /// Run when there is a server, and also without one when `CI=true`, so that a missing
    /// database fails instead of passing as green.
    static let isEnabled = serverURL != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    /// Creates `bridge_audit_<random>` and returns its name and URL.
    static func createDatabase() throws -> (name: String, url: String) {
        guard let serverURL, var components = URLComponents(string: serverURL) else {
            throw TestClientError.setup("BRIDGE_TEST_POSTGRES_URL is not set (CI=true requires PostgreSQL)")
        }
        let name = "bridge_audit_" + UUID().uuidString.lowercased().filter { $0 != "-" }
        let created = try AuditTests.runTool(
            "psql",
            [serverURL, "-v", "ON_ERROR_STOP=1", "-q", "-c", "CREATE DATABASE \(name)"]
        )
        guard created.status == 0 else {
            throw TestClientError.setup("cannot create a test database: \(created.output)")
        }
        components.path = "/\(name)"
        guard let url = components.string else { throw TestClientError.setup("cannot build a database URL") }
        return (name, url)
    }

    /// Drops the database, ending its connections.
    static func dropDatabase(_ name: String) {
        guard let serverURL else { return }
        _ = try? AuditTests.runTool("psql", [serverURL, "-q", "-c", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"])
    }
}

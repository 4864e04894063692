// The notifications API on the real binary: who may do what, what is pushed where, and the audit.

import BridgeCore
import Foundation
import Testing

/// One caller of the authorisation matrix and what each operation must answer them.
struct MatrixCaller: Sendable, CustomTestStringConvertible {
    var name: String
    var token: String?
    var create: Int
    var list: Int
    var read: Int
    var audit: Int
    /// The actor the audit records must name (`user`, `org`, `role`), nil when unauthenticated.
    var actor: [String: String]?

    var testDescription: String { name }
}

@Suite(.serialized, .timeLimit(.minutes(3)))
struct NotificationsTests {
    static let admin = TestJWT.make(sub: "alice", org: "acme", role: "admin")
    static let member = TestJWT.make(sub: "bob", org: "acme", role: "member")

    /// Everyone who may call the API, and what each operation answers them.
    static let callers = [
        MatrixCaller(
            name: "admin",
            token: admin,
            create: 201,
            list: 200,
            read: 200,
            audit: 200,
            actor: ["user": "alice", "org": "acme", "role": "admin"]
        ),
        MatrixCaller(
            name: "member",
            token: member,
            create: 403,
            list: 200,
            read: 200,
            audit: 403,
            actor: ["user": "bob", "org": "acme", "role": "member"]
        ),
        // The same subject as the admin, in another organisation: users are told apart by org.
        MatrixCaller(
            name: "other organisation's admin",
            token: TestJWT.make(sub: "alice", org: "globex", role: "admin"),
            create: 400,
            list: 200,
            read: 404,
            audit: 200,
            actor: ["user": "alice", "org": "globex", "role": "admin"]
        ),
        MatrixCaller(name: "no token", token: nil, create: 401, list: 401, read: 401, audit: 401, actor: nil),
        MatrixCaller(
            name: "expired token",
            token: TestJWT.make(sub: "alice", org: "acme", role: "admin", ttl: -60),
            create: 401,
            list: 401,
            read: 401,
            audit: 401,
            actor: nil
        ),
        MatrixCaller(
            name: "forged token",
            token: TestJWT.make(
                claims: [
                    "sub": "alice", "org": "acme", "role": "admin", "exp": Int(Date().timeIntervalSince1970) + 3600,
                ],
                secret: "not-the-server-secret-but-just-as-long-0001"
            ),
            create: 401,
            list: 401,
            read: 401,
            audit: 401,
            actor: nil
        ),
    ]

    /// The audit event each answer must leave, by operation and status.
    static func expectedEvent(_ operation: String, status: Int) -> (name: String, outcome: String) {
        switch (operation, status) {
        case ("create", 201): ("NOTIFICATION_CREATED", "allowed")
        case ("create", _): ("NOTIFICATION_DENIED", "denied")
        case ("list", 200): ("NOTIFICATIONS_LISTED", "allowed")
        case ("list", _): ("NOTIFICATIONS_LIST_DENIED", "denied")
        case ("read", 200): ("NOTIFICATION_READ", "allowed")
        case ("read", _): ("NOTIFICATION_READ_DENIED", "denied")
        case ("audit", 200): ("AUDIT_LOG_READ", "allowed")
        default: ("AUDIT_LOG_DENIED", "denied")
        }
    }

    @Test
    func authorisationMatrixAnswersAsSpecifiedAndAuditsEveryAttempt() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let everyone = try AuditTrail.call(
            server,
            "POST",
            "/api/notifications",
            token: Self.admin,
            body: #"{"title":"For everyone","body":"Hello"}"#
        )
        try #require(everyone.status == 201, "\(everyone.summary)")
        let notificationID = try #require(everyone.json?["id"]?.stringValue)
        let createBody = #"{"title":"Matrix","body":"b","targetUserIds":["bob","acme/carol"]}"#

        for caller in Self.callers {
            let answers: [(operation: String, expected: Int, response: HTTPResponse)] = [
                (
                    "create", caller.create,
                    try AuditTrail.call(server, "POST", "/api/notifications", token: caller.token, body: createBody)
                ),
                ("list", caller.list, try AuditTrail.call(server, "GET", "/api/notifications", token: caller.token)),
                (
                    "read", caller.read,
                    try AuditTrail.call(
                        server,
                        "POST",
                        "/api/notifications/\(notificationID)/read",
                        token: caller.token
                    )
                ),
                ("audit", caller.audit, try AuditTrail.call(server, "GET", "/api/audit", token: caller.token)),
            ]
            for answer in answers {
                let cell = "\(caller.name) × \(answer.operation)"
                #expect(answer.response.status == answer.expected, "\(cell): \(answer.response.summary)")
                if answer.expected == 401 {
                    #expect(answer.response.header("www-authenticate") == "Bearer", "\(cell)")
                }
                let record = AuditTrail.record(of: answer.response, in: server)
                let event = Self.expectedEvent(answer.operation, status: answer.expected)
                #expect(record?["event"]?.stringValue == event.name, "\(cell): \(record.map { "\($0)" } ?? "none")")
                #expect(record?["outcome"]?.stringValue == event.outcome, "\(cell)")
                #expect(record?["metadata"]?["status"]?.stringValue == String(answer.expected), "\(cell)")
                #expect(record?["clientIp"]?.stringValue == "127.0.0.1", "\(cell)")
                let actor = record?["actor"]?.objectValue?.compactMapValues(\.stringValue)
                #expect(actor == caller.actor, "\(cell)")
            }

            let listed = AuditTrail.array(answers[1].response.json?["notifications"])
            #expect(listed.allSatisfy { $0["orgId"]?.stringValue == caller.actor?["org"] }, "\(caller.name)")
            let audited = AuditTrail.array(answers[3].response.json?["records"])
            #expect(audited.allSatisfy { $0["record"]?["org"]?.stringValue == caller.actor?["org"] }, "\(caller.name)")
        }

        let foreign = try AuditTrail.call(
            server,
            "POST",
            "/api/notifications",
            token: Self.callers[2].token,
            body: createBody
        )
        #expect(foreign.json?["error"]?["code"]?.stringValue == "foreign_target")
        #expect(foreign.json?["error"]?["field"]?.stringValue == "targetUserIds[1]")
    }

    @Test
    func targetedNotificationReachesOnlyItsTargetsUserRooms() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let bob = try TestWebSocket.connect(port: server.port, token: Self.member)
        defer { bob.close() }
        let dave = try TestWebSocket.connect(
            port: server.port,
            token: TestJWT.make(sub: "dave", org: "acme", role: "member")
        )
        defer { dave.close() }
        let globexBob = try TestWebSocket.connect(
            port: server.port,
            token: TestJWT.make(sub: "bob", org: "globex", role: "member")
        )
        defer { globexBob.close() }
        for socket in [bob, dave, globexBob] {
            try socket.subscribeConfirmed("user")
            try socket.subscribeConfirmed("org")
        }

        let body = AuditTrail.json([
            "title": "Shipment delayed",
            "body": "Order A-10045 ships tomorrow",
            "targetUserIds": ["bob", "acme/carol"],
            "data": ["orderId": "ord_10045"],
        ])
        let response = try AuditTrail.call(server, "POST", "/api/notifications", token: Self.admin, body: body)
        try #require(response.status == 201, "\(response.summary)")
        let stored = try #require(response.json)
        #expect(stored["targetUserIds"] == .array([.string("bob"), .string("carol")]))
        #expect(stored["orgId"]?.stringValue == "acme")
        #expect(stored["createdBy"]?.stringValue == "alice")
        #expect(stored["data"] == .object(["orderId": .string("ord_10045")]))

        let pushed = try bob.receiveJSON(type: "notification")
        #expect(pushed["id"] == stored["id"])
        #expect(pushed["title"]?.stringValue == "Shipment delayed")
        #expect(pushed["audience"]?.stringValue == "users")
        #expect(pushed["targetUserIds"] == nil)
        #expect(try dave.receive(timeout: .milliseconds(300)) == .timeout)
        #expect(try globexBob.receive(timeout: .milliseconds(300)) == .timeout)

        let record = AuditTrail.record(of: response, in: server)
        #expect(record?["targets"] == .array([.string("bob"), .string("carol")]))
        #expect(record?["metadata"]?["notificationId"] == stored["id"])
        #expect(record?["metadata"]?["titleLength"]?.stringValue == "16")
        #expect(record?["metadata"]?["targetCount"]?.stringValue == "2")
    }

    @Test
    func organisationWideNotificationReachesOrgSubscribersOfThatOrganisationOnly() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let acme = try TestWebSocket.connect(port: server.port, token: Self.member)
        defer { acme.close() }
        let globex = try TestWebSocket.connect(
            port: server.port,
            token: TestJWT.make(sub: "bob", org: "globex", role: "member")
        )
        defer { globex.close() }
        try acme.subscribeConfirmed("org")
        try globex.subscribeConfirmed("org")

        let response = try AuditTrail.call(
            server,
            "POST",
            "/api/notifications",
            token: Self.admin,
            body: #"{"title":"Maintenance","body":"Tonight at 22:00"}"#
        )
        try #require(response.status == 201, "\(response.summary)")
        let pushed = try acme.receiveJSON(type: "notification")
        #expect(pushed["id"] == response.json?["id"])
        #expect(pushed["audience"]?.stringValue == "org")
        #expect(try globex.receive(timeout: .milliseconds(300)) == .timeout)
    }

    @Test
    func userListsTheirOwnNewestFirstPageByPageAndMarksThemRead() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        var created: [String] = []
        for index in 0..<5 {
            let targets =
                index == 2 ? #","targetUserIds":["carol"]"# : (index % 2 == 0 ? "" : #","targetUserIds":["bob"]"#)
            let response = try AuditTrail.call(
                server,
                "POST",
                "/api/notifications",
                token: Self.admin,
                body: #"{"title":"N\#(index)","body":""\#(targets)}"#
            )
            try #require(response.status == 201, "\(response.summary)")
            created.append(try #require(response.json?["id"]?.stringValue))
        }
        // Bob sees 0, 1, 3 and 4 (2 is Carol's), newest first, two per page.
        var seen: [String] = []
        var path = "/api/notifications?limit=2"
        for _ in 0..<5 {
            let page = try AuditTrail.call(server, "GET", path, token: Self.member)
            try #require(page.status == 200, "\(page.summary)")
            seen += AuditTrail.array(page.json?["notifications"]).compactMap { $0["id"]?.stringValue }
            guard let next = page.json?["nextCursor"]?.stringValue else { break }
            path = "/api/notifications?limit=2&cursor=\(next)"
        }
        #expect(seen == [created[4], created[3], created[1], created[0]])

        let read = try AuditTrail.call(server, "POST", "/api/notifications/\(created[3])/read", token: Self.member)
        #expect(read.status == 200, "\(read.summary)")
        #expect(read.json?["read"] == .bool(true))
        let notBobs = try AuditTrail.call(server, "POST", "/api/notifications/\(created[2])/read", token: Self.member)
        #expect(notBobs.status == 404)
        let unknown = try AuditTrail.call(server, "POST", "/api/notifications/no-such-id/read", token: Self.member)
        #expect(unknown.status == 404)
        #expect(notBobs.body == unknown.body, "a foreign id and an unknown one must look alike")

        let list = try AuditTrail.call(server, "GET", "/api/notifications", token: Self.member)
        let readStates = AuditTrail.array(list.json?["notifications"]).map { $0["read"]?.boolValue }
        #expect(readStates == [false, true, false, false])
    }

    @Test(
        arguments: [
            ("", "invalid_json", nil),
            ("[1]", "invalid_json", nil),
            (#"{"body":"b"}"#, "invalid_field", "title"),
            (#"{"title":"t","body":"b","targetUserIDs":["bob"]}"#, "unknown_field", "targetUserIDs"),
            (#"{"title":"t","body":"b","targetUserIds":[]}"#, "invalid_field", "targetUserIds"),
            (#"{"title":"t","body":"b","targetUserIds":["bob","x y"]}"#, "invalid_field", "targetUserIds[1]"),
            (#"{"title":"t","body":"b","data":[]}"#, "invalid_field", "data"),
        ] as [(String, String, String?)]
    )
    func badBodyIsRefusedNamingTheFieldAndAudited(body: String, code: String, field: String?) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let response = try AuditTrail.call(server, "POST", "/api/notifications", token: Self.admin, body: body)
        #expect(response.status == 400, "\(response.summary)")
        #expect(response.json?["error"]?["code"]?.stringValue == code)
        #expect(response.json?["error"]?["field"]?.stringValue == field)
        let record = AuditTrail.record(of: response, in: server)
        #expect(record?["event"]?.stringValue == "NOTIFICATION_DENIED")
        #expect(record?["metadata"]?["reason"]?.stringValue == code)
        #expect(record?["metadata"]?["field"]?.stringValue == field)
    }

    @Test
    func wrongMethodsAndUnknownPathsAreRefused() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let cases: [(String, String, Int)] = [
            ("DELETE", "/api/notifications", 405),
            ("GET", "/api/notifications/abc/read", 405),
            ("POST", "/api/notifications/abc", 404),
            ("POST", "/api/notifications/a%20b/read", 404),
            ("POST", "/api/audit", 405),
        ]
        for (method, path, status) in cases {
            let response = try AuditTrail.call(server, method, path, token: Self.admin)
            #expect(response.status == status, "\(method) \(path): \(response.summary)")
        }
    }
}

// Tenant isolation: two organisations, an admin and a member in each, every room form a client
// could send, and then real webhooks for both organisations: nothing crosses over.

import BridgeCore
import Foundation
import Testing

extension HardeningTests {
    /// Rooms resolve against the token's organisation, whatever string the client sends.
    @Suite
    struct TenantIsolationTests {
        /// The two organisations.
        static let organisations = ["A", "B"]

        /// Room names no client may subscribe to, each with the error code it must get.
        static let craftedRooms: [(name: String, code: String)] = [
            ("org:B", "forbidden_room"),
            ("org:A", "forbidden_room"),
            ("order:../x", "forbidden_room"),
            ("order:o1/../../B", "forbidden_room"),
            ("order:o1/../B/o1", "forbidden_room"),
            ("order:B/o1", "forbidden_room"),
            ("order:%2e%2e%2fB", "forbidden_room"),
            ("\u{043E}rg", "forbidden_room"),  // Cyrillic о
            ("\u{FF4F}\u{FF52}\u{FF47}", "forbidden_room"),  // fullwidth ｏｒｇ
            ("order:\u{043E}1", "forbidden_room"),
            ("org\u{200B}", "forbidden_room"),  // zero-width space
            ("org\u{0}", "forbidden_room"),
            ("o\u{0301}rg", "forbidden_room"),  // combining accent
            ("", "forbidden_room"),
            ("order:", "forbidden_room"),
            ("order", "forbidden_room"),
            ("user:someone", "forbidden_room"),
            ("user:admin", "forbidden_room"),
            ("ORG", "forbidden_room"),
            ("Org", "forbidden_room"),
            (" org", "forbidden_room"),
            ("org ", "forbidden_room"),
            ("order: o1", "forbidden_room"),
            ("order:" + String(repeating: "o", count: 129), "forbidden_room"),
            (String(repeating: "org:B", count: 2048), "bad_message"),  // 10 KiB
        ]

        @Test
        func noStringReachesAnotherOrganisationAndEachClientGetsExactlyItsOwnEvents() throws {
            let server = try BridgeProcess.start()
            defer { server.stop() }
            let before = try server.rejectionCounters()
            var clients: [(org: String, role: String, socket: TestWebSocket)] = []
            defer {
                for client in clients { client.socket.close() }
            }
            for org in Self.organisations {
                for role in ["admin", "member"] {
                    // The same subject in both organisations: users are told apart by (org, sub).
                    let token = TestJWT.make(sub: role, org: org, role: role)
                    clients.append((org, role, try TestWebSocket.connect(port: server.port, token: token)))
                }
            }

            for client in clients {
                for crafted in Self.craftedRooms {
                    try client.socket.subscribe(crafted.name)
                    let reply = try client.socket.receiveJSON()
                    let room = crafted.name.debugDescription.prefix(80)
                    #expect(
                        reply["type"]?.stringValue == "error" && reply["code"]?.stringValue == crafted.code,
                        "\(client.role)@\(client.org) subscribing to \(room): \(reply)"
                    )
                }
                for room in ["org", "user", "order:o1"] {
                    try client.socket.subscribeConfirmed(room)
                }
            }

            var expected: [String: Set<String>] = [:]
            let sender = WebhookSender(port: server.port)
            for org in Self.organisations {
                for payload in [
                    NativePayload.order(org: org, order: "o1"), .orderItem(org: org, order: "o1"),
                    .order(org: org, order: "o2"), .order(org: org, order: "B"), .order(org: org, order: "A"),
                ] {
                    expected[org, default: []].insert(try sender.deliver(payload).eventID)
                }
            }

            for client in clients {
                let own = expected[client.org] ?? []
                var received: [String] = []
                for _ in 0..<(own.count + 5) {
                    let message = try client.socket.receive(
                        timeout: received.count < own.count ? .seconds(5) : .milliseconds(300)
                    )
                    guard case .text(let text) = message else { break }
                    let json = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
                    #expect(json["orgId"]?.stringValue == client.org, "\(client.role)@\(client.org) got \(text)")
                    received.append(json["eventId"]?.stringValue ?? text)
                }
                #expect(received.count == own.count, "\(client.role)@\(client.org) got \(received.count) events")
                #expect(Set(received) == own, "\(client.role)@\(client.org) got other events than its organisation's")
            }
            let craftedForbidden = Int64(Self.craftedRooms.filter { $0.code == "forbidden_room" }.count)
            let craftedBad = Int64(Self.craftedRooms.count) - craftedForbidden
            try server.rejectionCounters().expectChanges(
                since: before,
                [
                    "forbiddenRooms": craftedForbidden * Int64(clients.count),
                    "badMessages": craftedBad * Int64(clients.count),
                ]
            )
        }
    }
}

// The presence wire format: what `encode` writes comes back equal, and the strict decoder refuses
// every message `encode` would not have written, without crashing on hostile bytes.

import BridgeCore
import Foundation
import Testing

private let instance = "6f1c2a9e-3b4d-4e5f-8a6b-7c8d9e0f1a2b"

private let report = PresenceReport(
    instanceID: instance,
    connections: 5,
    users: [
        .init(user: PresenceReport.userKey(orgID: "acme", subject: "alice"), count: 2),
        .init(user: PresenceReport.userKey(orgID: "acme", subject: "bob"), count: 0),
        .init(user: PresenceReport.userKey(orgID: "org:eu-1", subject: "user.9_x-y"), count: 1_000_000),
    ]
)

/// A report message with `users` (and the other members) given as raw JSON.
private func message(
    version: String = "1",
    instance id: String = "\"\(instance)\"",
    connections: String = "1",
    final: String = "false",
    users: String = #"[["acme","alice",1]]"#,
    extra: String = ""
) -> [UInt8] {
    let members = [
        #""v":\#(version)"#, #""instance":\#(id)"#, #""connections":\#(connections)"#,
        #""final":\#(final)"#, #""users":\#(users)"#,
    ]
    return Array("{\(members.joined(separator: ","))\(extra)}".utf8)
}

/// A message the decoder must refuse, and the member it must name (nil for the whole message).
struct RefusedReport: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var field: String?
    var testDescription: String { name }

    init(_ name: String, _ bytes: [UInt8], field: String?) {
        self.name = name
        self.bytes = bytes
        self.field = field
    }
}

private let tooMany =
    "[" + (0...PresenceWireFormat.maxUsersPerReport).map { #"["o","u\#($0)",1]"# }.joined(separator: ",") + "]"
private let longSubject = String(repeating: "s", count: 129)

private let malformedReports: [RefusedReport] = [
    RefusedReport("empty", [], field: nil),
    RefusedReport("not JSON", Array("presence".utf8), field: nil),
    RefusedReport("array", Array("[1,2,3]".utf8), field: nil),
    RefusedReport("truncated", Array(PresenceWireFormat.encode(report).dropLast()), field: nil),
    RefusedReport("unknown member", message(extra: #","more":1"#), field: nil),
    RefusedReport("deep nesting", message(users: #"[[["acme"],"alice",1]]"#), field: nil),
    RefusedReport("very deep nesting", Array(String(repeating: "[", count: 100_000).utf8), field: nil),
    RefusedReport(
        "oversized",
        Array(repeating: UInt8(ascii: " "), count: PresenceWireFormat.maxMessageBytes + 1),
        field: nil
    ),
    RefusedReport("invalid UTF-8", [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D], field: nil),
]

private let badMembers: [RefusedReport] = [
    RefusedReport("version 2", message(version: "2"), field: "v"),
    RefusedReport("version a string", message(version: #""1""#), field: "v"),
    RefusedReport("instance not a UUID", message(instance: #""instance-1""#), field: "instance"),
    RefusedReport("instance upper case", message(instance: "\"\(instance.uppercased())\""), field: "instance"),
    RefusedReport("instance a number", message(instance: "7"), field: "instance"),
    RefusedReport("final null", message(final: "null"), field: "final"),
    RefusedReport("final a number", message(final: "1"), field: "final"),
    RefusedReport("connections negative", message(connections: "-1"), field: "connections"),
    RefusedReport("connections huge", message(connections: "1000001"), field: "connections"),
    RefusedReport("connections past Int64", message(connections: "92233720368547758070"), field: "connections"),
    RefusedReport("connections fractional", message(connections: "1.5"), field: "connections"),
    RefusedReport("connections a string", message(connections: #""1""#), field: "connections"),
    RefusedReport("users an object", message(users: #"{"acme":1}"#), field: "users"),
    RefusedReport("users null", message(users: "null"), field: "users"),
    RefusedReport("too many users", message(users: tooMany), field: "users"),
    RefusedReport("entry too short", message(users: #"[["acme","alice"]]"#), field: "users"),
    RefusedReport("entry too long", message(users: #"[["acme","alice",1,2]]"#), field: "users"),
    RefusedReport("entry an object", message(users: #"[{"org":"acme"}]"#), field: "users"),
    RefusedReport("organisation invalid", message(users: #"[["ac me","alice",1]]"#), field: "users"),
    RefusedReport("subject with NUL", message(users: #"[["acme","al\u0000ice",1]]"#), field: "users"),
    RefusedReport("subject too long", message(users: "[[\"acme\",\"\(longSubject)\",1]]"), field: "users"),
    RefusedReport("count negative", message(users: #"[["acme","alice",-1]]"#), field: "users"),
    RefusedReport("count huge", message(users: #"[["acme","alice",1000001]]"#), field: "users"),
    RefusedReport("count a string", message(users: #"[["acme","alice","1"]]"#), field: "users"),
    RefusedReport("count a boolean", message(users: #"[["acme","alice",true]]"#), field: "users"),
    RefusedReport("user twice", message(users: #"[["acme","alice",1],["acme","alice",0]]"#), field: "users"),
]

@Suite
struct PresenceWireFormatTests {
    @Test
    func whatEncodeWritesDecodesToTheSameReport() throws {
        #expect(try PresenceWireFormat.decode(PresenceWireFormat.encode(report)) == report)
        let final = PresenceReport(instanceID: instance, connections: 0, users: [], isFinal: true)
        #expect(try PresenceWireFormat.decode(PresenceWireFormat.encode(final)) == final)
    }

    @Test
    func theEncodingIsOneCompactLineWithEachUserAsATriple() {
        let text = String(decoding: PresenceWireFormat.encode(report), as: UTF8.self)
        #expect(text.hasPrefix(#"{"v":1,"instance":"\#(instance)","connections":5,"final":false,"users":["#))
        #expect(text.contains(#"["acme","alice",2]"#))
        #expect(!text.contains("\n") && !text.contains("\\u0000"))
    }

    @Test
    func aFullChunkOfTheLongestIdentifiersFitsTheSizeBound() throws {
        let longest = String(repeating: "x", count: 128)
        let users = (0..<PresenceWireFormat.maxUsersPerReport).map { index in
            // 120 letters and 8 digits: 128 characters, different for every user.
            let subject = String(repeating: "y", count: 120) + String(10_000_000 + index)
            return PresenceReport.Entry(
                user: PresenceReport.userKey(orgID: longest, subject: subject),
                count: PresenceWireFormat.maxCount
            )
        }
        let largest = PresenceReport(instanceID: instance, connections: PresenceWireFormat.maxCount, users: users)
        let bytes = PresenceWireFormat.encode(largest)
        #expect(bytes.count <= PresenceWireFormat.maxMessageBytes)
        #expect(try PresenceWireFormat.decode(bytes) == largest)
    }

    @Test
    func aKeyThatIsNotAUserKeyIsLeftOut() throws {
        let odd = PresenceReport(instanceID: instance, connections: 1, users: [.init(user: "no separator", count: 1)])
        #expect(try PresenceWireFormat.decode(PresenceWireFormat.encode(odd)).users.isEmpty)
    }

    @Test
    func theDefaultTestMessageIsAccepted() throws {
        #expect(try PresenceWireFormat.decode(message()).users.count == 1)
    }

    @Test(arguments: malformedReports + badMembers)
    func aHostileMessageIsRefusedNamingTheMember(_ refused: RefusedReport) {
        do {
            let accepted = try PresenceWireFormat.decode(refused.bytes)
            Issue.record("accepted \(refused.name): \(accepted)")
        } catch {
            #expect(error.field == refused.field, "\(error)")
        }
    }

    @Test
    func errorsNeverRepeatTheValue() {
        let secretish = "sk_live_do_not_echo"
        for bytes in [message(users: "[[\"\(secretish) x\",\"a\",1]]"), message(extra: ",\"\(secretish)\":1")] {
            do {
                _ = try PresenceWireFormat.decode(bytes)
                Issue.record("accepted a hostile report")
            } catch {
                #expect(!error.description.contains(secretish))
            }
        }
    }

    @Test
    func aUserKeySplitsBackIntoOrganisationAndSubject() {
        let key = PresenceReport.userKey(orgID: "acme", subject: "alice")
        #expect(PresenceReport.parts(ofUserKey: key)?.orgID == "acme")
        #expect(PresenceReport.parts(ofUserKey: key)?.subject == "alice")
        #expect(PresenceReport.parts(ofUserKey: "acme-alice") == nil)
    }
}

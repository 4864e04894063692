// Checking notification requests: every refusal names its field, every limit holds at its edge.

import BridgeCore
import Foundation
import Testing

/// A body that must be refused, and how.
struct RefusedNotification: Sendable, CustomTestStringConvertible {
    var body: String
    var code: NotificationInputError.Code
    var field: String?
    var testDescription: String { "\(code.rawValue) \(field ?? "-"): \(body.prefix(60))" }
}

private func body(_ members: [String: Any]) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: members, options: [.sortedKeys])) ?? Data()
    return String(decoding: data, as: UTF8.self)
}

private let refused: [RefusedNotification] = [
    RefusedNotification(body: "", code: .invalidJSON, field: nil),
    RefusedNotification(body: "{", code: .invalidJSON, field: nil),
    RefusedNotification(body: "[]", code: .invalidJSON, field: nil),
    RefusedNotification(body: "\"title\"", code: .invalidJSON, field: nil),
    RefusedNotification(
        body: String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
        code: .invalidJSON,
        field: nil
    ),
    RefusedNotification(body: #"{"body":"b"}"#, code: .invalidField, field: "title"),
    RefusedNotification(body: #"{"title":null,"body":"b"}"#, code: .invalidField, field: "title"),
    RefusedNotification(body: #"{"title":7,"body":"b"}"#, code: .invalidField, field: "title"),
    RefusedNotification(body: #"{"title":"","body":"b"}"#, code: .invalidField, field: "title"),
    RefusedNotification(
        body: body(["title": String(repeating: "t", count: 201), "body": ""]),
        code: .invalidField,
        field: "title"
    ),
    RefusedNotification(body: #"{"title":"a\u0000b","body":""}"#, code: .invalidField, field: "title"),
    RefusedNotification(body: #"{"title":"t"}"#, code: .invalidField, field: "body"),
    RefusedNotification(body: #"{"title":"t","body":["b"]}"#, code: .invalidField, field: "body"),
    RefusedNotification(
        body: body(["title": "t", "body": String(repeating: "b", count: 4_001)]),
        code: .invalidField,
        field: "body"
    ),
    RefusedNotification(body: #"{"title":"t","body":"\u0000"}"#, code: .invalidField, field: "body"),
    RefusedNotification(
        body: #"{"title":"t","body":"b","targetUserIDs":["bob"]}"#,
        code: .unknownField,
        field: "targetUserIDs"
    ),
    RefusedNotification(body: #"{"title":"t","body":"b","orgId":"globex"}"#, code: .unknownField, field: "orgId"),
    RefusedNotification(
        body: #"{"title":"t","body":"b","targetUserIds":null}"#,
        code: .invalidField,
        field: "targetUserIds"
    ),
    RefusedNotification(
        body: #"{"title":"t","body":"b","targetUserIds":[]}"#,
        code: .invalidField,
        field: "targetUserIds"
    ),
    RefusedNotification(
        body: #"{"title":"t","body":"b","targetUserIds":"bob"}"#,
        code: .invalidField,
        field: "targetUserIds"
    ),
    RefusedNotification(
        body: body(["title": "t", "body": "b", "targetUserIds": (0...1_000).map { "u\($0)" }]),
        code: .invalidField,
        field: "targetUserIds"
    ),
    RefusedNotification(
        body: #"{"title":"t","body":"b","targetUserIds":["bob",7]}"#,
        code: .invalidField,
        field: "targetUserIds[1]"
    ),
    RefusedNotification(
        body: #"{"title":"t","body":"b","targetUserIds":["bob",""]}"#,
        code: .invalidField,
        field: "targetUserIds[1]"
    ),
    RefusedNotification(
        body: #"{"title":"t","body":"b","targetUserIds":["b o b"]}"#,
        code: .invalidField,
        field: "targetUserIds[0]"
    ),
    RefusedNotification(
        body: body(["title": "t", "body": "b", "targetUserIds": [String(repeating: "u", count: 129)]]),
        code: .invalidField,
        field: "targetUserIds[0]"
    ),
    RefusedNotification(
        body: #"{"title":"t","body":"b","targetUserIds":["acme/"]}"#,
        code: .invalidField,
        field: "targetUserIds[0]"
    ),
    RefusedNotification(
        body: #"{"title":"t","body":"b","targetUserIds":["acme/b/c"]}"#,
        code: .invalidField,
        field: "targetUserIds[0]"
    ),
    RefusedNotification(
        body: #"{"title":"t","body":"b","targetUserIds":["/bob"]}"#,
        code: .invalidField,
        field: "targetUserIds[0]"
    ),
    RefusedNotification(
        body: #"{"title":"t","body":"b","targetUserIds":["bob","globex/bob"]}"#,
        code: .foreignTarget,
        field: "targetUserIds[1]"
    ),
    RefusedNotification(body: #"{"title":"t","body":"b","data":[1]}"#, code: .invalidField, field: "data"),
    RefusedNotification(body: #"{"title":"t","body":"b","data":"x"}"#, code: .invalidField, field: "data"),
    RefusedNotification(body: #"{"title":"t","body":"b","data":{"k":"\u0000"}}"#, code: .invalidField, field: "data"),
    RefusedNotification(body: #"{"title":"t","body":"b","data":{"\u0000":1}}"#, code: .invalidField, field: "data"),
    RefusedNotification(
        body: body(["title": "t", "body": "b", "data": ["blob": String(repeating: "d", count: 16_384)]]),
        code: .invalidField,
        field: "data"
    ),
]

@Suite struct NotificationDraftTests {
    @Test(arguments: refused)
    func badBodyIsRefusedNamingItsField(_ entry: RefusedNotification) {
        let error = #expect(throws: NotificationInputError.self) {
            try NotificationDraft.parse(Array(entry.body.utf8), orgID: "acme")
        }
        #expect(error?.code == entry.code)
        #expect(error?.field == entry.field)
        if let field = entry.field {
            #expect(error?.message.contains(field) == true)
        }
    }

    @Test func limitsAreInclusive() throws {
        let members: [String: Any] = [
            "title": String(repeating: "é", count: 200),
            "body": String(repeating: "b", count: 4_000),
            "targetUserIds": (0..<1_000).map { "user-\($0)" },
            "data": ["blob": String(repeating: "d", count: 16_384 - #"{"blob":""}"#.utf8.count)],
        ]
        let draft = try NotificationDraft.parse(Array(body(members).utf8), orgID: "acme")
        #expect(draft.title.unicodeScalars.count == 200)
        #expect(draft.targetUserIDs.count == 1_000)
        #expect(draft.dataJSON.utf8.count == NotificationDraft.maxDataBytes)
    }

    @Test func lengthsCountScalarsSoCombiningMarksCannotPileUp() {
        let title = "e" + String(repeating: "\u{301}", count: 200)
        #expect(title.count == 1)
        #expect(throws: NotificationInputError.self) {
            try NotificationDraft.parse(Array(body(["title": title, "body": ""]).utf8), orgID: "acme")
        }
    }

    @Test func withoutTargetsItIsForTheWholeOrganisation() throws {
        let draft = try NotificationDraft.parse(Array(#"{"title":"Hi","body":""}"#.utf8), orgID: "acme")
        #expect(draft == NotificationDraft(title: "Hi", body: "", targetUserIDs: [], dataJSON: "{}"))
        let withNullData = try NotificationDraft.parse(
            Array(#"{"title":"Hi","body":"","data":null}"#.utf8),
            orgID: "acme"
        )
        #expect(withNullData.dataJSON == "{}")
    }

    @Test func targetsInTheSendersOwnOrganisationAreKeptPlainInOrderWithoutRepeats() throws {
        let json = #"{"title":"t","body":"b","targetUserIds":["bob","acme/carol","acme/bob","org:x","dave"]}"#
        let draft = try NotificationDraft.parse(Array(json.utf8), orgID: "acme")
        #expect(draft.targetUserIDs == ["bob", "carol", "org:x", "dave"])
    }

    @Test func dataIsReEncodedCompactlyWithSortedKeys() throws {
        let json = #"{"title":"t","body":"b","data":{ "z": [1, 2.5, true, null], "a": {"n": "x"} }}"#
        let draft = try NotificationDraft.parse(Array(json.utf8), orgID: "acme")
        #expect(draft.dataJSON == #"{"a":{"n":"x"},"z":[1,2.5,true,null]}"#)
    }

    @Test func refusalCarriesWhatTheAuditNeeds() {
        let json = #"{"title":"Hello","body":"b","targetUserIds":["bob","globex/eve"]}"#
        let error = #expect(throws: NotificationInputError.self) {
            try NotificationDraft.parse(Array(json.utf8), orgID: "acme")
        }
        #expect(error?.title == "Hello")
        #expect(error?.titleLength == 5)
        #expect(error?.targetCount == 2)
    }
}

// The canonical audit record: fixed fields, printable ASCII only, one line whatever the input.

import BridgeCore
import Foundation
import Testing

/// Values an attacker would put in a user agent or a title to forge or split a log line.
private let hostileValues = [
    "curl/8.0\r\n[SECURITY_AUDIT] {\"event\":\"FORGED\"}",
    "line\nbreak",
    "carriage\rreturn",
    "quote\"inside\",\"outcome\":\"allowed",
    "back\\slash\\",
    "separator\u{2028}line\u{2029}paragraph",
    "next\u{85}line",
    "\u{0}\u{1}\u{1B}[31mred\u{7F}",
    "e\u{301}\u{302}😀👩‍👩‍👧",
    "\u{202E}override",
]

@Suite struct AuditRecordTests {
    private static let event = SecurityEvent(
        name: "NOTIFICATION_CREATED",
        outcome: "allowed",
        actor: SecurityActor(userID: "alice", orgID: "acme", role: "admin"),
        orgID: "ignored-when-there-is-an-actor",
        targets: ["bob", "carol"],
        metadata: ["titleLength": "5", "notificationId": "n-1"],
        clientIP: "127.0.0.1",
        userAgent: "curl/8.0",
        requestID: "ab12-1"
    )

    @Test func canonicalJSONHasEveryFieldInAFixedOrder() {
        let record = AuditRecord(event: Self.event, atMillis: 1_710_408_067_123)
        let expected = """
            {"time":"2024-03-14T09:21:07.123Z","event":"NOTIFICATION_CREATED","outcome":"allowed",\
            "actor":{"user":"alice","org":"acme","role":"admin"},"org":"acme","targets":["bob","carol"],\
            "metadata":{"notificationId":"n-1","titleLength":"5"},"clientIp":"127.0.0.1",\
            "userAgent":"curl/8.0","requestId":"ab12-1","count":1}
            """
        #expect(record.canonicalJSON == expected)
    }

    @Test func eventWithoutActorBelongsToItsOwnOrganisationOrNone() {
        var event = SecurityEvent(name: "WEBHOOK_SIGNATURE_FAILED", outcome: "denied", clientIP: "::1")
        #expect(AuditRecord(event: event, atMillis: 0).orgID == nil)
        #expect(AuditRecord(event: event, atMillis: 0).canonicalJSON.contains(#""actor":null,"org":null"#))
        event.orgID = "acme"
        #expect(AuditRecord(event: event, atMillis: 0).orgID == "acme")
    }

    @Test(arguments: hostileValues)
    func hostileUserAgentAndTitleStayInsideOnePrintableLine(_ value: String) throws {
        var event = Self.event
        event.userAgent = value
        event.metadata["title"] = value
        let line = AuditRecord(event: event, atMillis: 1).canonicalJSON

        #expect(line.utf8.allSatisfy { (0x20..<0x7F).contains($0) })
        let parsed = try JSONDecoder().decode(JSONValue.self, from: Data(line.utf8))
        #expect(parsed.objectValue?["userAgent"] == .string(value))
        #expect(parsed.objectValue?["metadata"]?.objectValue?["title"] == .string(value))
        #expect(parsed.objectValue?["event"] == .string("NOTIFICATION_CREATED"))
    }

    @Test func nonASCIIIsEscapedAsUTF16() {
        var event = Self.event
        event.userAgent = "é\u{2028}😀"
        let line = AuditRecord(event: event, atMillis: 0).canonicalJSON
        #expect(line.contains(#""userAgent":"\u00e9\u2028\ud83d\ude00""#))
    }

    @Test func everyTextIsCutToItsLimit() {
        let long = String(repeating: "x", count: 5_000)
        let event = SecurityEvent(
            name: long,
            outcome: "denied",
            actor: SecurityActor(userID: long, orgID: "acme", role: "admin"),
            targets: Array(repeating: "u", count: 1_000),
            metadata: Dictionary(uniqueKeysWithValues: (0..<100).map { ("k\($0)", long) }),
            clientIP: long,
            userAgent: String(repeating: "e\u{301}", count: 5_000),
            requestID: long
        )
        let record = AuditRecord(event: event, atMillis: 0)
        #expect(record.event.count == AuditRecord.maxShortTextLength)
        #expect(record.actor?.userID.count == AuditRecord.maxShortTextLength)
        #expect(record.targets.count == AuditRecord.maxTargets)
        #expect(record.metadata.count == AuditRecord.maxMetadataEntries)
        #expect(record.metadata.values.allSatisfy { $0.count == AuditRecord.maxMetadataValueLength })
        #expect(record.userAgent?.unicodeScalars.count == AuditRecord.maxUserAgentLength)
        #expect(record.canonicalJSON.utf8.count < 64 * 1024)
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(1), "1970-01-01T00:00:00.001Z"),
        (Int64(999), "1970-01-01T00:00:00.999Z"),
        (Int64(1_710_408_067_123), "2024-03-14T09:21:07.123Z"),
        (Int64(253_402_300_799_999), "9999-12-31T23:59:59.999Z"),
        (Int64(-5), "1970-01-01T00:00:00.000Z"),
    ])
    func timestampsAreExactToTheMillisecond(millis: Int64, expected: String) {
        #expect(AuditTimestamp.iso8601(millis: millis) == expected)
    }
}

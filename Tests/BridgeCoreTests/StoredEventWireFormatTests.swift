// The broker's wire format: what `encode` writes comes back equal, and the strict decoder refuses
// every message `encode` would not have written, naming the field.

import BridgeCore
import Foundation
import Testing

private let limit = 1 << 20

private let order = StoredEvent(
    eventID: "0b4f4d4e-7a39-4d2c-9a51-0c1f3f7b9e10",
    sourceID: "shop",
    webhookID: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
    seq: 42,
    receivedAtMillis: 1_764_757_200_123,
    event: OrderEvent(
        entityType: .order,
        action: .statusChanged,
        orgID: "acme",
        orderID: "ord_1001",
        itemID: nil,
        version: 7,
        occurredAt: "2026-12-03T10:15:30.250Z",
        dataJSON: #"{"lines":[1,2],"note":"a \"quoted\" line\n","status":"paid","total":{"amount":"12.50"}}"#
    )
)

private let item = StoredEvent(
    eventID: "e2",
    sourceID: "erp.main",
    webhookID: "",
    seq: 1,
    receivedAtMillis: 0,
    event: OrderEvent(
        entityType: .orderItem,
        action: .deleted,
        orgID: "org:eu-1",
        orderID: "o",
        itemID: "line-1",
        version: nil,
        occurredAt: nil,
        dataJSON: "{}"
    )
)

/// A message built from `order`'s encoding with one member set to raw JSON (or removed).
private func variant(_ name: String, _ json: String?) -> [UInt8] {
    let text = String(decoding: StoredEventWireFormat.encode(order), as: UTF8.self)
    guard var members = try? JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8)) else { return [] }
    members[name] = nil
    var parts = members.keys.sorted().compactMap { key in
        members[key]?.compactJSON.map { "\"\(key)\":\($0)" }
    }
    if let json { parts.append("\"\(name)\":\(json)") }
    return Array("{\(parts.joined(separator: ","))}".utf8)
}

/// A message the decoder must refuse, and the field it must name (nil for the whole message).
struct RefusedMessage: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var field: String?
    var testDescription: String { name }

    init(_ field: String, _ json: String?) {
        name = "\(field)=\(json ?? "(missing)")"
        bytes = variant(field, json)
        self.field = field
    }

    init(whole name: String, _ bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
        field = nil
    }
}

private let refused: [RefusedMessage] = {
    var cases: [RefusedMessage] = []
    for field in ["v", "eventId", "sourceId", "webhookId", "seq", "receivedAt", "entityType", "action"] {
        cases.append(RefusedMessage(field, nil))
        cases.append(RefusedMessage(field, "null"))
    }
    for field in ["orgId", "orderId", "data"] {
        cases.append(RefusedMessage(field, nil))
        cases.append(RefusedMessage(field, "[]"))
    }
    for value in ["2", "0", #""1""#, "1.5"] {
        cases.append(RefusedMessage("v", value))
    }
    for value in ["0", "-1", #""42""#, "4.2", "true", "9223372036854775808"] {
        cases.append(RefusedMessage("seq", value))
    }
    for value in ["-1", #""0""#] {
        cases.append(RefusedMessage("receivedAt", value))
        cases.append(RefusedMessage("version", value))
    }
    for value in [#""""#, #""a b""#, #""a/b""#, #""acmé""#, "7", "\"\(String(repeating: "x", count: 129))\""] {
        cases.append(RefusedMessage("eventId", value))
        cases.append(RefusedMessage("sourceId", value))
        cases.append(RefusedMessage("orgId", value))
        cases.append(RefusedMessage("orderId", value))
    }
    cases.append(RefusedMessage("itemId", #""line-1""#))
    cases.append(RefusedMessage("webhookId", "\"\(String(repeating: "w", count: 4097))\""))
    cases.append(RefusedMessage("webhookId", "12"))
    cases.append(RefusedMessage("entityType", #""orders""#))
    cases.append(RefusedMessage("action", #""exploded""#))
    cases.append(RefusedMessage("occurredAt", #""yesterday""#))
    cases.append(RefusedMessage("occurredAt", "1741944067"))
    cases.append(RefusedMessage("data", #""{}""#))
    return cases
}()

private let malformed: [RefusedMessage] = [
    RefusedMessage(whole: "empty", []),
    RefusedMessage(whole: "not JSON", Array("hello".utf8)),
    RefusedMessage(whole: "array", Array("[1,2]".utf8)),
    RefusedMessage(whole: "truncated", Array(StoredEventWireFormat.encode(order).dropLast())),
    RefusedMessage(whole: "unknown member", variant("extra", "true")),
    RefusedMessage(whole: "deep nesting", Array(String(repeating: "[", count: 1_000).utf8)),
    RefusedMessage(whole: "invalid UTF-8", [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]),
    RefusedMessage(whole: "too large", Array(repeating: UInt8(ascii: " "), count: limit + 1)),
]

@Suite
struct StoredEventWireFormatTests {
    @Test(arguments: [order, item])
    func whatEncodeWritesDecodesToTheSameEvent(_ event: StoredEvent) throws {
        let decoded = try StoredEventWireFormat.decode(StoredEventWireFormat.encode(event), maxBytes: limit)
        #expect(decoded == event)
    }

    @Test
    func theEncodingIsOneCompactLineWithTheDataAsStored() {
        let text = String(decoding: StoredEventWireFormat.encode(order), as: UTF8.self)
        #expect(!text.contains("\n"))
        #expect(text.hasPrefix(#"{"v":1,"#))
        #expect(text.contains(#""data":\#(order.event.dataJSON)"#))
        #expect(!String(decoding: StoredEventWireFormat.encode(item), as: UTF8.self).contains("version"))
    }

    @Test
    func nullOptionalMembersReadAsAbsent() throws {
        var bytes = variant("version", "null")
        #expect(try StoredEventWireFormat.decode(bytes, maxBytes: limit).event.version == nil)
        bytes = variant("occurredAt", "null")
        #expect(try StoredEventWireFormat.decode(bytes, maxBytes: limit).event.occurredAt == nil)
    }

    @Test(arguments: refused)
    func aBadMemberIsRefusedNamingIt(_ message: RefusedMessage) {
        #expect(throws: WireFormatError.self) {
            try StoredEventWireFormat.decode(message.bytes, maxBytes: limit)
        }
        do {
            _ = try StoredEventWireFormat.decode(message.bytes, maxBytes: limit)
        } catch {
            #expect(error.field == message.field, "\(error)")
        }
    }

    @Test(arguments: malformed)
    func aMalformedMessageIsRefusedWhole(_ message: RefusedMessage) {
        do {
            _ = try StoredEventWireFormat.decode(message.bytes, maxBytes: limit)
            Issue.record("accepted \(message.name)")
        } catch {
            #expect(error.field == nil, "\(error)")
        }
    }

    @Test
    func errorsNeverRepeatTheValue() {
        let secretish = "sk_live_do_not_echo"
        do {
            _ = try StoredEventWireFormat.decode(variant("orgId", "\"\(secretish) x\""), maxBytes: limit)
            Issue.record("accepted a bad orgId")
        } catch {
            #expect(!error.description.contains(secretish))
        }
        do {
            _ = try StoredEventWireFormat.decode(variant(secretish, "1"), maxBytes: limit)
            Issue.record("accepted an unknown member")
        } catch {
            #expect(!error.description.contains(secretish))
        }
    }
}

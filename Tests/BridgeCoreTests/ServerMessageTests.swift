// Server-to-client messages: each one parses as JSON with its documented fields, events in their fixed order.

import BridgeCore
import Foundation
import Testing

private let orderEvent = StoredEvent(
    eventID: "3f1c2a9e-0000-4000-8000-000000000001",
    sourceID: "shop",
    webhookID: "msg_1",
    seq: 42,
    receivedAtMillis: 1_710_408_067_312,
    event: OrderEvent(
        entityType: .order,
        action: .created,
        orgID: "acme",
        orderID: "ord_10045",
        itemID: nil,
        version: 1,
        occurredAt: "2025-03-14T09:21:07Z",
        dataJSON: #"{"status":"pending"}"#
    )
)

private let itemEvent = StoredEvent(
    eventID: "9b2e4f60-1c3a-4d8e-b7f5-6a0c2e9d1b34",
    sourceID: "shop",
    webhookID: "msg_2",
    seq: 57,
    receivedAtMillis: 1_710_421_544_871,
    event: OrderEvent(
        entityType: .orderItem,
        action: .statusChanged,
        orgID: "acme",
        orderID: "ord_10045",
        itemID: "itm_1",
        version: nil,
        occurredAt: nil,
        dataJSON: #"{"note":"line\u2028two \"quoted\" \\ </script>","nested":{"a":[1,2.5,null,true]}}"#
    )
)

/// The order of fields every order event message must keep.
private let eventFieldOrder = [
    "type", "eventId", "seq", "room", "orgId", "orderId", "itemId", "action", "version", "occurredAt", "receivedAt",
    "data",
]

private func object(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    #expect(!bytes.contains(UInt8(ascii: "\n")), "one line", sourceLocation: sourceLocation)
    let parsed = try JSONSerialization.jsonObject(with: Data(bytes))
    return try #require(parsed as? [String: Any], sourceLocation: sourceLocation)
}

/// Top-level keys in the order they appear, read with a scanner that skips strings and nested values.
private func topLevelKeys(_ bytes: [UInt8]) -> [String] {
    var keys: [String] = []
    var depth = 0
    var index = 0
    var expectingKey = false
    while index < bytes.count {
        let byte = bytes[index]
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            depth += 1
            expectingKey = depth == 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            depth -= 1
        case UInt8(ascii: ","):
            expectingKey = depth == 1
        case UInt8(ascii: "\""):
            let start = index + 1
            index += 1
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
            }
            if expectingKey { keys.append(String(decoding: bytes[start..<min(index, bytes.count)], as: UTF8.self)) }
            expectingKey = false
        default:
            break
        }
        index += 1
    }
    return keys
}

@Suite struct ServerMessageTests {
    @Test func orderEventIsWrittenExactlyAsDocumented() {
        let bytes = ServerMessage.event(orderEvent, room: .org(orgID: "acme"))
        let expected =
            #"{"type":"order_update","eventId":"3f1c2a9e-0000-4000-8000-000000000001","seq":42,"room":"org","#
            + #""orgId":"acme","orderId":"ord_10045","itemId":null,"action":"created","version":1,"#
            + #""occurredAt":"2025-03-14T09:21:07Z","receivedAt":1710408067312,"data":{"status":"pending"}}"#
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    @Test(arguments: [
        (orderEvent, Room.org(orgID: "acme")), (orderEvent, .order(orgID: "acme", orderID: "ord_10045")),
        (itemEvent, .order(orgID: "acme", orderID: "ord_10045")), (itemEvent, .org(orgID: "acme")),
    ])
    func eventMessageHasEveryFieldInOrderWithDataAsAnObject(_ stored: StoredEvent, _ room: Room) throws {
        let bytes = ServerMessage.event(stored, room: room)
        #expect(topLevelKeys(bytes) == eventFieldOrder)
        let message = try object(bytes)
        #expect(message["type"] as? String == stored.event.entityType.messageType)
        #expect(message["eventId"] as? String == stored.eventID)
        #expect((message["seq"] as? NSNumber)?.int64Value == stored.seq)
        #expect(message["room"] as? String == room.clientName)
        #expect(message["orgId"] as? String == stored.event.orgID)
        #expect(message["orderId"] as? String == stored.event.orderID)
        #expect((message["itemId"] as? String) == stored.event.itemID)
        #expect(stored.event.itemID != nil || message["itemId"] is NSNull)
        #expect(message["action"] as? String == stored.event.action.rawValue)
        #expect((message["version"] as? NSNumber)?.int64Value == stored.event.version)
        #expect((message["occurredAt"] as? String) == stored.event.occurredAt)
        #expect((message["receivedAt"] as? NSNumber)?.int64Value == stored.receivedAtMillis)
        let data = try #require(message["data"] as? [String: Any])
        let original = try JSONSerialization.jsonObject(with: Data(stored.event.dataJSON.utf8)) as? NSDictionary
        #expect(NSDictionary(dictionary: data) == original)
    }

    @Test func itemEventCarriesItsItemAndNulls() throws {
        let message = try object(ServerMessage.event(itemEvent, room: .org(orgID: "acme")))
        #expect(message["type"] as? String == "order_item_update")
        #expect(message["itemId"] as? String == "itm_1")
        #expect(message["version"] is NSNull)
        #expect(message["occurredAt"] is NSNull)
        #expect(message["action"] as? String == "status_changed")
    }

    @Test func subscribedResetAndUnsubscribedNameTheRoom() throws {
        let room = Room.order(orgID: "acme", orderID: "ord_1")
        let subscribed = try object(ServerMessage.subscribed(room: room, seq: 41))
        #expect(subscribed["type"] as? String == "subscribed")
        #expect(subscribed["room"] as? String == "order:ord_1")
        #expect((subscribed["seq"] as? NSNumber)?.int64Value == 41)
        let reset = try object(ServerMessage.reset(room: .org(orgID: "acme"), seq: 1203))
        #expect(reset["type"] as? String == "reset" && reset["room"] as? String == "org")
        #expect((reset["seq"] as? NSNumber)?.int64Value == 1203)
        #expect(
            String(decoding: ServerMessage.unsubscribed(room: "user"), as: UTF8.self)
                == #"{"type":"unsubscribed","room":"user"}"#
        )
    }

    @Test(arguments: ["order:\n{\"type\":\"order_update\"}", "\u{2028}", "\"},{\"", "\\", "\u{0}", "org:globex"])
    func clientChosenTextIsEscaped(_ text: String) throws {
        let unsubscribed = try object(ServerMessage.unsubscribed(room: text))
        #expect((unsubscribed["room"] as? String).map { Array($0.unicodeScalars) } == Array(text.unicodeScalars))
        #expect(unsubscribed.count == 2)
        let error = try object(ServerMessage.error(.forbiddenRoom, message: text, room: text))
        #expect(error["type"] as? String == "error" && error["code"] as? String == "forbidden_room")
        #expect((error["message"] as? String).map { Array($0.unicodeScalars) } == Array(text.unicodeScalars))
        #expect(error.count == 4)
    }

    @Test(arguments: ClientErrorCode.allCases)
    func errorMessageCarriesItsCode(_ code: ClientErrorCode) throws {
        let message = try object(ServerMessage.error(code, message: "why"))
        #expect(message["code"] as? String == code.rawValue)
        #expect(message["message"] as? String == "why")
        #expect(message["room"] == nil)
    }

    @Test(arguments: [
        (JSONValue?.none, "{\"type\":\"pong\"}"),
        (JSONValue.integer(7), #"{"type":"pong","id":7}"#),
        (JSONValue.string("p-1"), #"{"type":"pong","id":"p-1"}"#),
        (JSONValue.null, #"{"type":"pong","id":null}"#),
        (JSONValue.bool(true), #"{"type":"pong","id":true}"#),
        (JSONValue.object(["n": .array([.integer(1), .number(2.5)])]), #"{"type":"pong","id":{"n":[1,2.5]}}"#),
    ])
    func pongEchoesTheID(_ id: JSONValue?, _ expected: String) throws {
        let bytes = ServerMessage.pong(id: id)
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        _ = try object(bytes)
    }

    @Test(arguments: ["line\nbreak", "\u{2028}\u{2029}", "\"}", "😀"])
    func pongEchoesHostileStringIDsSafely(_ id: String) throws {
        let message = try object(ServerMessage.pong(id: .string(id)))
        #expect((message["id"] as? String).map { Array($0.unicodeScalars) } == Array(id.unicodeScalars))
    }

    @Test func authenticationMessagesCarryTheIdentity() throws {
        let authenticated = try object(
            ServerMessage.authenticated(userID: "alice", orgID: "acme", expiresAt: 1_710_411_667)
        )
        #expect(authenticated["type"] as? String == "authenticated")
        #expect(authenticated["sub"] as? String == "alice" && authenticated["org"] as? String == "acme")
        #expect((authenticated["exp"] as? NSNumber)?.int64Value == 1_710_411_667)
        let expiring = try object(ServerMessage.authExpiring(expiredAt: 1_710_411_667))
        #expect(expiring["type"] as? String == "auth_expiring")
    }

    @Test func snapshotEmbedsEachEventAsAnObject() throws {
        let room = Room.order(orgID: "acme", orderID: "ord_10045")
        let message = try object(ServerMessage.snapshot(room: room, seq: 57, events: [orderEvent, itemEvent]))
        #expect(message["type"] as? String == "snapshot" && message["room"] as? String == "order:ord_10045")
        #expect((message["seq"] as? NSNumber)?.int64Value == 57)
        let events = try #require(message["events"] as? [[String: Any]])
        #expect(events.map { $0["eventId"] as? String } == [orderEvent.eventID, itemEvent.eventID])
        #expect(events.allSatisfy { $0["data"] is [String: Any] && $0["room"] as? String == "order:ord_10045" })
        let empty = try object(ServerMessage.snapshot(room: room, seq: 0, events: []))
        #expect((empty["events"] as? [Any])?.isEmpty == true)
    }
}

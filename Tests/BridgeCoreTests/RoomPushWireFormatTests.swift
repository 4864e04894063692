// The broker format of notifications between instances: what encode writes, decode reads back,
// and every malformed message is refused with the field it is about.

import BridgeCore
import Testing

@Suite
struct RoomPushWireFormatTests {
    static let instance = "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f"
    static let message = Array(#"{"type":"notification","id":"n1","title":"Hi \"you\""}"#.utf8)

    @Test(arguments: [
        [Room.org(orgID: "acme")],
        [Room.user(orgID: "acme", userID: "bob"), .user(orgID: "acme", userID: "carol:2")],
        [Room.order(orgID: "acme", orderID: "ord_1")],
    ])
    func roundTrip(_ rooms: [Room]) throws {
        let push = RoomPush(rooms: rooms, messageType: "notification", payload: Self.message)
        let bytes = try #require(RoomPushWireFormat.encode(push, instanceID: Self.instance))
        let envelope = try RoomPushWireFormat.decode(bytes)
        #expect(envelope.instanceID == Self.instance)
        #expect(envelope.push == push)
    }

    @Test
    func pushesThatCannotTravelAreNotEncoded() {
        let mixed = RoomPush(
            rooms: [.org(orgID: "acme"), .org(orgID: "globex")],
            messageType: "notification",
            payload: Self.message
        )
        #expect(RoomPushWireFormat.encode(mixed, instanceID: Self.instance) == nil)
        let empty = RoomPush(rooms: [], messageType: "notification", payload: Self.message)
        #expect(RoomPushWireFormat.encode(empty, instanceID: Self.instance) == nil)
        let binary = RoomPush(rooms: [.org(orgID: "acme")], messageType: "notification", payload: [0xFF, 0xFE])
        #expect(RoomPushWireFormat.encode(binary, instanceID: Self.instance) == nil)
    }

    static let good = #"{"v":1,"instance":"\#(instance)","orgId":"acme","rooms":["org"],"type":"t","message":"{}"}"#

    /// A malformed message and the field its refusal names (nil: the message as a whole).
    static let refusals: [(String, String?)] = [
        ("", nil),
        ("null", nil),
        ("[]", nil),
        (String(good.dropLast()), nil),
        (String(repeating: "[", count: 100), nil),
        (good.replacingOccurrences(of: "}", with: #","extra":1}"#), nil),
        (good.replacingOccurrences(of: #""v":1"#, with: #""v":2"#), "v"),
        (good.replacingOccurrences(of: Self.instance, with: "not-a-uuid"), "instance"),
        (good.replacingOccurrences(of: Self.instance, with: Self.instance.uppercased()), "instance"),
        (good.replacingOccurrences(of: #""orgId":"acme""#, with: #""orgId":"a/b""#), "orgId"),
        (good.replacingOccurrences(of: #""orgId":"acme""#, with: #""orgId":7"#), "orgId"),
        (good.replacingOccurrences(of: #""rooms":["org"]"#, with: #""rooms":[]"#), "rooms"),
        (good.replacingOccurrences(of: #""rooms":["org"]"#, with: #""rooms":["user"]"#), "rooms"),
        (good.replacingOccurrences(of: #""rooms":["org"]"#, with: #""rooms":["user:"]"#), "rooms"),
        (good.replacingOccurrences(of: #""rooms":["org"]"#, with: #""rooms":["order:../x"]"#), "rooms"),
        (good.replacingOccurrences(of: #""rooms":["org"]"#, with: #""rooms":[1]"#), "rooms"),
        (good.replacingOccurrences(of: #""rooms":["org"]"#, with: #""rooms":"org""#), "rooms"),
        (good.replacingOccurrences(of: #""type":"t""#, with: #""type":"""#), "type"),
        (good.replacingOccurrences(of: #""message":"{}""#, with: #""message":"[]""#), "message"),
        (good.replacingOccurrences(of: #""message":"{}""#, with: #""message":"{""#), "message"),
        (good.replacingOccurrences(of: #""message":"{}""#, with: #""message":{}"#), "message"),
    ]

    @Test(arguments: refusals)
    func malformedMessagesAreRefused(_ refusal: (String, String?)) {
        #expect(throws: WireFormatError.self) { try RoomPushWireFormat.decode(Array(refusal.0.utf8)) }
        do {
            _ = try RoomPushWireFormat.decode(Array(refusal.0.utf8))
        } catch {
            #expect(error.field == refusal.1, "\(error)")
        }
    }

    @Test
    func tooManyRoomsAndOversizedMessagesAreRefused() {
        let rooms = (0...RoomPushWireFormat.maxRooms).map { "\"user:u\($0)\"" }.joined(separator: ",")
        let crowded = Self.good.replacingOccurrences(of: #""rooms":["org"]"#, with: #""rooms":[\#(rooms)]"#)
        #expect(throws: WireFormatError.self) { try RoomPushWireFormat.decode(Array(crowded.utf8)) }
        let huge = [UInt8](repeating: UInt8(ascii: " "), count: RoomPushWireFormat.maxMessageBytes + 1)
        #expect(throws: WireFormatError.self) { try RoomPushWireFormat.decode(huge) }
    }
}

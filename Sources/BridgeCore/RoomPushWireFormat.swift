// How a room push (a notification) travels between bridge instances: compact JSON, read back
// strictly.

import Foundation

/// Encodes a `RoomPush` for the broker and decodes what the broker delivers.
///
/// The shape is `{"v":1,"instance":"<uuid>","orgId":"acme","rooms":["org","user:bob",…],
/// "type":"notification","message":"<the message's JSON text>"}`. Whoever can publish on the
/// channel can send anything, so the decoder accepts only what `encode` writes: every member
/// present with its type, a lowercase UUID, valid identifiers, 1–`maxRooms` rooms of one
/// organisation, a message that is a JSON object, no unknown member, bounded size and depth.
public enum RoomPushWireFormat {
    /// The format's version, written as `v`; a receiver refuses any other.
    public static let version: Int64 = 1
    /// Most rooms one push names: a notification reaches at most this many users.
    public static let maxRooms = NotificationDraft.maxTargets
    /// Largest message accepted; a notification with every field at its limit fits.
    public static let maxMessageBytes = 256 * 1024

    static let knownKeys: Set<String> = ["v", "instance", "orgId", "rooms", "type", "message"]

    /// A decoded push and the instance that sent it.
    public struct Envelope: Sendable, Equatable {
        /// The sending instance, so that it can ignore its own.
        public var instanceID: String
        /// What to deliver.
        public var push: RoomPush
    }

    /// The push as one compact JSON object; nil when it cannot travel (no rooms, too many,
    /// rooms of several organisations, or a message that is not UTF-8).
    public static func encode(_ push: RoomPush, instanceID: String) -> [UInt8]? {
        guard let orgID = push.rooms.first?.orgID, push.rooms.count <= maxRooms,
            push.rooms.allSatisfy({ $0.orgID == orgID }),
            let message = String(validating: push.payload, as: UTF8.self)
        else { return nil }
        return JSONText.object(capacity: 128 + push.payload.count + push.rooms.count * 24) { json in
            json.field("v", version)
            json.field("instance", instanceID)
            json.field("orgId", orgID)
            json.key("rooms")
            json.beginArray()
            for room in push.rooms { json.string(name(of: room)) }
            json.endArray()
            json.field("type", push.messageType)
            json.field("message", message)
        }
    }

    /// Reads one message; refuses anything `encode` would not have written.
    public static func decode(_ bytes: [UInt8]) throws(WireFormatError) -> Envelope {
        // A push nests two levels deep: the object and its room list (the message is a string).
        let members = try WireFormatEnvelope.members(
            of: bytes,
            maxBytes: maxMessageBytes,
            depth: 2,
            knownKeys: knownKeys,
            version: version
        )
        let instanceID = try WireFormatEnvelope.instanceID(in: members)
        guard let orgID = members["orgId"]?.stringValue, PayloadValidator.isValidIdentifier(orgID) else {
            throw WireFormatError(field: "orgId", "must be an organisation id")
        }
        guard let type = members["type"]?.stringValue, PayloadValidator.isValidIdentifier(type) else {
            throw WireFormatError(field: "type", "must be a message type")
        }
        guard let message = members["message"]?.stringValue, isJSONObject(message) else {
            throw WireFormatError(field: "message", "must be the text of a JSON object")
        }
        let rooms = try rooms(members["rooms"], orgID: orgID)
        let push = RoomPush(rooms: rooms, messageType: type, payload: Array(message.utf8))
        return Envelope(instanceID: instanceID, push: push)
    }

    private static func rooms(_ value: JSONValue?, orgID: String) throws(WireFormatError) -> [Room] {
        guard case .array(let items)? = value, !items.isEmpty, items.count <= maxRooms else {
            throw WireFormatError(field: "rooms", "must be an array of 1–\(maxRooms) room names")
        }
        var rooms: [Room] = []
        rooms.reserveCapacity(items.count)
        for item in items {
            guard let name = item.stringValue, let room = room(named: name, orgID: orgID) else {
                throw WireFormatError(field: "rooms", "names a room that does not exist")
            }
            rooms.append(room)
        }
        return rooms
    }

    /// `org`, `order:<id>` or `user:<id>`: unlike a client's names, a user room names its user.
    static func name(of room: Room) -> String {
        switch room {
        case .org: "org"
        case .order(_, let orderID): "order:\(orderID)"
        case .user(_, let userID): "user:\(userID)"
        }
    }

    static func room(named name: String, orgID: String) -> Room? {
        if name == "org" { return .org(orgID: orgID) }
        for (prefix, make) in [("order:", Room.order), ("user:", Room.user)] where name.hasPrefix(prefix) {
            let id = String(name.dropFirst(prefix.count))
            return PayloadValidator.isValidIdentifier(id) ? make(orgID, id) : nil
        }
        return nil
    }

    private static func isJSONObject(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard JSONNesting.isWithin(bytes, limit: 64),
            let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        else { return false }
        return value.objectValue != nil
    }
}

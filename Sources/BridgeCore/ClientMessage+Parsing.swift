// Turns a client's text frame into a ClientMessage, refusing anything of the wrong shape.

import Foundation

extension ClientMessage {
    /// Longer room names are refused here; shorter ones are checked when the room is resolved.
    public static let maxRoomBytes = 256

    /// The most entries a `types` filter may have.
    public static let maxTypes = 8

    /// The longest entry a `types` filter may have, in bytes.
    public static let maxTypeBytes = 64

    /// Parses one text frame. The server has already bounded its size.
    ///
    /// Fields the bridge does not know are ignored, so clients may send newer ones. A field
    /// set to `null` counts as absent.
    public static func parse(_ bytes: [UInt8]) throws(ClientMessageError) -> ClientMessage {
        guard JSONNesting.isWithin(bytes) else {
            throw ClientMessageError(field: nil, "message nests deeper than \(JSONNesting.maxDepth) levels")
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else {
            throw ClientMessageError(field: nil, "message is not valid JSON")
        }
        guard let fields = value.objectValue else {
            throw ClientMessageError(field: nil, "message must be a JSON object")
        }
        guard let type = present("type", in: fields) else {
            throw ClientMessageError(field: "type", "`type` is required")
        }
        guard let name = type.stringValue else {
            throw ClientMessageError(field: "type", "`type` must be a string")
        }

        switch name {
        case "auth":
            return .auth(token: try token(in: fields))
        case "subscribe":
            return .subscribe(try subscription(in: fields))
        case "unsubscribe":
            return .unsubscribe(room: try room(in: fields))
        case "ping":
            return .ping(id: present("id", in: fields))
        default:
            throw ClientMessageError(field: "type", "`type` must be auth, subscribe, unsubscribe or ping")
        }
    }

    /// The value of `name`, treating `null` as absent.
    private static func present(_ name: String, in fields: [String: JSONValue]) -> JSONValue? {
        guard let value = fields[name], value != .null else { return nil }
        return value
    }

    private static func token(in fields: [String: JSONValue]) throws(ClientMessageError) -> String {
        guard let value = present("token", in: fields) else {
            throw ClientMessageError(field: "token", "`token` is required")
        }
        guard let token = value.stringValue, !token.isEmpty else {
            throw ClientMessageError(field: "token", "`token` must be a non-empty string")
        }
        return token
    }

    private static func room(in fields: [String: JSONValue]) throws(ClientMessageError) -> String {
        guard let value = present("room", in: fields) else {
            throw ClientMessageError(field: "room", "`room` is required")
        }
        guard let room = value.stringValue else {
            throw ClientMessageError(field: "room", "`room` must be a string")
        }
        guard room.utf8.count <= maxRoomBytes else {
            throw ClientMessageError(field: "room", "`room` must be at most \(maxRoomBytes) bytes")
        }
        return room
    }

    private static func subscription(in fields: [String: JSONValue]) throws(ClientMessageError) -> Subscription {
        Subscription(
            room: try room(in: fields),
            types: try types(in: fields),
            since: try since(in: fields),
            snapshot: try snapshot(in: fields)
        )
    }

    private static func types(in fields: [String: JSONValue]) throws(ClientMessageError) -> [String]? {
        guard let value = present("types", in: fields) else { return nil }
        guard case .array(let entries) = value, entries.count <= maxTypes else {
            throw ClientMessageError(field: "types", "`types` must be an array of at most \(maxTypes) strings")
        }
        var types: [String] = []
        for entry in entries {
            guard let type = entry.stringValue, !type.isEmpty, type.utf8.count <= maxTypeBytes else {
                throw ClientMessageError(
                    field: "types",
                    "each entry of `types` must be a string of 1 to \(maxTypeBytes) bytes"
                )
            }
            types.append(type)
        }
        return types
    }

    private static func since(in fields: [String: JSONValue]) throws(ClientMessageError) -> Int64? {
        guard let value = present("since", in: fields) else { return nil }
        guard case .integer(let since) = value, since >= 0 else {
            throw ClientMessageError(field: "since", "`since` must be a non-negative integer")
        }
        return since
    }

    private static func snapshot(in fields: [String: JSONValue]) throws(ClientMessageError) -> Bool {
        guard let value = present("snapshot", in: fields) else { return false }
        guard case .bool(let snapshot) = value else {
            throw ClientMessageError(field: "snapshot", "`snapshot` must be true or false")
        }
        return snapshot
    }
}

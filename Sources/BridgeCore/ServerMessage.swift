// The JSON the server sends to WebSocket clients, encoded once per message.

/// Encoders for every server-to-client message.
public enum ServerMessage {
    /// An `order_update` or `order_item_update`, labelled with the room it matched.
    public static func event(_ stored: StoredEvent, room: Room) -> [UInt8] {
        let event = stored.event
        return JSONText.object(capacity: 256 + event.dataJSON.utf8.count) { json in
            json.field("type", event.entityType.messageType)
            json.field("eventId", stored.eventID)
            json.field("seq", stored.seq)
            json.field("room", room.clientName)
            json.field("orgId", event.orgID)
            json.field("orderId", event.orderID)
            json.field("itemId", event.itemID)
            json.field("action", event.action.rawValue)
            json.field("version", event.version)
            json.field("occurredAt", event.occurredAt)
            json.field("receivedAt", stored.receivedAtMillis)
            json.key("data")
            json.raw(event.dataJSON)
        }
    }

    /// Confirms a subscription; `seq` is the organisation's latest sequence number at that moment.
    public static func subscribed(room: Room, seq: Int64) -> [UInt8] {
        JSONText.object { json in
            json.field("type", "subscribed")
            json.field("room", room.clientName)
            json.field("seq", seq)
        }
    }

    /// Confirms an unsubscribe.
    public static func unsubscribed(room: String) -> [UInt8] {
        JSONText.object { json in
            json.field("type", "unsubscribed")
            json.field("room", room)
        }
    }

    /// Answers a client `ping`, echoing its id when it sent one.
    public static func pong(id: JSONValue?) -> [UInt8] {
        JSONText.object { json in
            json.field("type", "pong")
            if let id, let encoded = id.compactJSON {
                json.key("id")
                json.raw(encoded)
            }
        }
    }

    /// Confirms a successful first-message `auth` or token refresh.
    public static func authenticated(userID: String, orgID: String, expiresAt: Int64) -> [UInt8] {
        JSONText.object { json in
            json.field("type", "authenticated")
            json.field("sub", userID)
            json.field("org", orgID)
            json.field("exp", expiresAt)
        }
    }

    /// Tells the client its token has expired: send a fresh `auth` soon or be closed with 4001.
    public static func authExpiring(expiredAt: Int64) -> [UInt8] {
        JSONText.object { json in
            json.field("type", "auth_expiring")
            json.field("exp", expiredAt)
        }
    }

    /// The current state of an order (its latest order and item events), sent before live
    /// updates when a subscription asked for `snapshot`. `seq` is where live updates continue.
    public static func snapshot(room: Room, seq: Int64, events: [StoredEvent]) -> [UInt8] {
        JSONText.object(capacity: 512) { json in
            json.field("type", "snapshot")
            json.field("room", room.clientName)
            json.field("seq", seq)
            json.key("events")
            json.beginArray()
            for stored in events {
                json.raw(String(decoding: event(stored, room: room), as: UTF8.self))
            }
            json.endArray()
        }
    }

    /// Tells the client its resume point is gone: reload state, then continue from `seq`.
    public static func reset(room: Room, seq: Int64) -> [UInt8] {
        JSONText.object { json in
            json.field("type", "reset")
            json.field("room", room.clientName)
            json.field("seq", seq)
        }
    }

    /// An error that leaves the connection open.
    public static func error(_ code: ClientErrorCode, message: String, room: String? = nil) -> [UInt8] {
        JSONText.object { json in
            json.field("type", "error")
            json.field("code", code.rawValue)
            json.field("message", message)
            if let room { json.field("room", room) }
        }
    }
}

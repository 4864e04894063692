// A message for WebSocket rooms that is not a stored event: a notification, for example.

/// A message for WebSocket rooms, produced by an API call (a notification, for example).
public struct RoomPush: Sendable, Equatable {
    /// The rooms to deliver to; a connection in several of them gets the message once.
    public var rooms: [Room]
    /// The message's `type`, for subscription `types` filters.
    public var messageType: String
    /// The encoded message.
    public var payload: [UInt8]

    /// A push of `payload` to `rooms`.
    public init(rooms: [Room], messageType: String, payload: [UInt8]) {
        self.rooms = rooms
        self.messageType = messageType
        self.payload = payload
    }
}

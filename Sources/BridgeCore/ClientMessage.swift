// What a WebSocket client may send: the requests of the client protocol, parsed from text frames.

/// One request from a WebSocket client.
public enum ClientMessage: Sendable, Equatable {
    /// `{"type":"auth","token":"…"}`: authenticate, or refresh the token of an open connection.
    case auth(token: String)
    /// `{"type":"subscribe","room":"…",…}`: start receiving a room's events.
    case subscribe(Subscription)
    /// `{"type":"unsubscribe","room":"…"}`: stop receiving a room's events.
    case unsubscribe(room: String)
    /// `{"type":"ping","id":…}`: ask for a `pong`, which echoes `id` when there is one.
    case ping(id: JSONValue?)

    /// The parameters of a `subscribe` request.
    public struct Subscription: Sendable, Equatable {
        /// The room's client name (`org`, `user`, `order:<id>`), not yet resolved or authorised.
        public var room: String
        /// Message types wanted from the room; `nil` for all of them.
        public var types: [String]?
        /// Replay events after this organisation sequence number; `nil` for live events only.
        public var since: Int64?
        /// Whether the client asked for the room's current state first. Defaults to `false`.
        public var snapshot: Bool

        /// A subscription to `room`.
        public init(room: String, types: [String]? = nil, since: Int64? = nil, snapshot: Bool = false) {
            self.room = room
            self.types = types
            self.since = since
            self.snapshot = snapshot
        }
    }
}

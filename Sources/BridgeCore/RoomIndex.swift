// Who listens where: the subscription table behind fan-out, as a value with no I/O.

/// One connection's interest in one room.
public struct RoomSubscription: Sendable, Equatable {
    /// The room the connection joined.
    public var room: Room
    /// Message types the connection wants from this room; nil for all.
    public var types: Set<String>?

    /// Creates a subscription to `room` that passes only `types`, or every type when nil.
    public init(room: Room, types: Set<String>?) {
        self.room = room
        self.types = types
    }

    /// True when a message of `type` passes this subscription's filter.
    public func accepts(type: String) -> Bool {
        types?.contains(type) ?? true
    }
}

/// Maps rooms to subscribed connections and back. Connection ids are opaque integers.
public struct RoomIndex: Sendable {
    /// Most rooms one connection may be in; keeps one client from growing the table without bound.
    public static let maxRoomsPerConnection = 100

    private var members: [Room: Set<Int>] = [:]
    private var subscriptions: [Int: [Room: RoomSubscription]] = [:]

    /// Creates an empty index with no rooms and no connections.
    public init() {}

    /// Number of rooms with at least one member.
    public var roomCount: Int { members.count }

    /// Number of (connection, room) pairs.
    public var subscriptionCount: Int { subscriptions.values.reduce(0) { $0 + $1.count } }

    /// Adds or replaces a subscription. Returns false when the connection is at its room limit.
    @discardableResult
    public mutating func subscribe(_ connection: Int, to subscription: RoomSubscription) -> Bool {
        var current = subscriptions[connection, default: [:]]
        if current[subscription.room] == nil, current.count >= Self.maxRoomsPerConnection {
            return false
        }
        current[subscription.room] = subscription
        subscriptions[connection] = current
        members[subscription.room, default: []].insert(connection)
        return true
    }

    /// Removes one subscription; returns whether it existed.
    @discardableResult
    public mutating func unsubscribe(_ connection: Int, from room: Room) -> Bool {
        guard subscriptions[connection]?.removeValue(forKey: room) != nil else { return false }
        if subscriptions[connection]?.isEmpty == true { subscriptions[connection] = nil }
        removeMember(connection, from: room)
        return true
    }

    /// Forgets a connection entirely.
    public mutating func remove(_ connection: Int) {
        guard let rooms = subscriptions.removeValue(forKey: connection) else { return }
        for room in rooms.keys { removeMember(connection, from: room) }
    }

    /// The subscription of `connection` to `room`, if any.
    public func subscription(of connection: Int, to room: Room) -> RoomSubscription? {
        subscriptions[connection]?[room]
    }

    /// The rooms a connection is in.
    public func rooms(of connection: Int) -> [Room] {
        subscriptions[connection].map { Array($0.keys) } ?? []
    }

    /// Each connection that should hear a message of `type` sent to `rooms`, once, with the most
    /// specific of its matching rooms. `rooms` must all belong to one organisation.
    public func recipients(of type: String, in rooms: [Room]) -> [Int: Room] {
        var chosen: [Int: Room] = [:]
        for room in rooms {
            guard let listeners = members[room] else { continue }
            for connection in listeners {
                guard let subscription = subscriptions[connection]?[room], subscription.accepts(type: type) else {
                    continue
                }
                if let previous = chosen[connection], previous.specificity >= room.specificity { continue }
                chosen[connection] = room
            }
        }
        return chosen
    }

    private mutating func removeMember(_ connection: Int, from room: Room) {
        members[room]?.remove(connection)
        if members[room]?.isEmpty == true { members[room] = nil }
    }
}

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

    /// Each room's connections with their type filters (nil for every type), so fan-out reads
    /// one table per room and not each connection's subscriptions.
    private var members: [Room: [Int: Set<String>?]] = [:]
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
        members[subscription.room, default: [:]].updateValue(subscription.types, forKey: connection)
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
        for group in recipientGroups(of: type, in: rooms) {
            for connection in group.connections { chosen[connection] = group.room }
        }
        return chosen
    }

    /// The choice of `recipients(of:in:)`, grouped by room, so that a caller looks up each
    /// room's frame once and not once per connection.
    ///
    /// Rooms are taken most specific first, and a connection already heard through one is
    /// skipped in the rest. The specific rooms are the small ones (an order's watchers beside
    /// the whole organisation), so the only table built holds their few members, and the large
    /// room is read once against it; with a single occupied room no table is built at all.
    public func recipientGroups(of type: String, in rooms: [Room]) -> [(room: Room, connections: [Int])] {
        let occupied = rooms.compactMap { room in members[room].map { (room: room, listeners: $0) } }
        // Stable, so of two equally specific rooms the one listed first wins, as in `recipients`.
        let ordered = occupied.enumerated()
            .sorted { ($0.element.room.specificity, -$0.offset) > ($1.element.room.specificity, -$1.offset) }
            .map(\.element)
        var groups: [(room: Room, connections: [Int])] = []
        var heard: Set<Int> = []
        for (position, entry) in ordered.enumerated() {
            var connections: [Int] = []
            for (connection, types) in entry.listeners where Self.accepts(types, type) {
                if !heard.isEmpty, heard.contains(connection) { continue }
                connections.append(connection)
            }
            if position < ordered.count - 1 { heard.formUnion(connections) }
            if !connections.isEmpty { groups.append((entry.room, connections)) }
        }
        return groups
    }

    private static func accepts(_ types: Set<String>?, _ type: String) -> Bool {
        types?.contains(type) ?? true
    }

    private mutating func removeMember(_ connection: Int, from room: Room) {
        members[room]?.removeValue(forKey: connection)
        if members[room]?.isEmpty == true { members[room] = nil }
    }
}

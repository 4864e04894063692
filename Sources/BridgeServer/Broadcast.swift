// An event ready to fan out: its rooms and one encoded frame per room label.

import BridgeCore

/// A committed event on its way to subscribers. The frame differs per room only in its `room`
/// field, so each label is encoded once and shared by everyone who hears it under that label.
struct Broadcast: Sendable {
    var orgID: String
    var seq: Int64
    var messageType: String
    var eventID: String
    /// The event itself, for the broker.
    var stored: StoredEvent
    var sourceID: String
    /// The rooms the event goes to, least specific first, each with its frame.
    var frames: [(room: Room, frame: SharedFrame)]

    /// Encodes `stored` for the org room and its order's room.
    /// Monotonic seconds of the commit, for the `pushed` stage.
    var committedAt: Double

    init(_ stored: StoredEvent, receivedAt: Double, committedAt: Double) {
        self.committedAt = committedAt
        self.stored = stored
        eventID = stored.eventID
        sourceID = stored.sourceID
        let event = stored.event
        orgID = event.orgID
        seq = stored.seq ?? 0
        messageType = event.entityType.messageType
        let rooms: [Room] = [.org(orgID: event.orgID), .order(orgID: event.orgID, orderID: event.orderID)]
        let key = [messageType, event.orderID, event.itemID ?? ""].joined(separator: "\u{0}")
        frames = rooms.map { room in
            (
                room,
                SharedFrame(
                    payload: ServerMessage.event(stored, room: room),
                    conflationKey: key,
                    receivedAt: receivedAt
                )
            )
        }
    }
}

// Where a resuming subscription is in replaying stored events before it goes live.

import BridgeCore

/// A subscription that is catching up from the store. While `live` is false its room's live
/// events are skipped (the store has them, and the next page will bring them); once live, events
/// up to `through` are skipped because the replay already sent them.
struct ReplayState {
    /// The last `seq` the client said it had.
    var since: Int64
    /// The last `seq` read from the store so far.
    var after: Int64
    /// Events sent by this replay.
    var sent = 0
    /// True once the replay caught up and live events flow.
    var live = false
    /// Live events up to here were replayed already.
    var through: Int64 = 0
    /// A page is wanted but waits for the send queue to drain below half.
    var waitingForDrain = false
    /// Events of the last page not queued yet: a page can hold more than the send queue takes.
    var backlog: [SharedFrame] = []
    /// Whether the last page was full, so another may follow once its backlog is sent.
    var morePages = false
    /// The `types` filter of the subscription.
    var types: Set<String>?
}

/// One page of stored events read for a replay, already encoded for the connection's room.
struct ReplayPage: Sendable {
    var connectionID: Int
    var room: Room
    /// The `afterSeq` the page was read from.
    var after: Int64
    /// Sequence number of the first event of the unfiltered page; nil when it was empty.
    var firstSeq: Int64?
    /// Sequence number of the last event of the unfiltered page; nil when it was empty.
    var lastSeq: Int64?
    /// Whether the page was full (more may follow).
    var full: Bool
    /// The events of the page that belong to the room, encoded, with their `seq`.
    var frames: [(seq: Int64, frame: SharedFrame)]
    /// The store could not be read.
    var failed: Bool
}

/// What a client asked for when it subscribed.
struct SubscribeRequest {
    var subscription: RoomSubscription
    var since: Int64?
    var snapshot: Bool
}

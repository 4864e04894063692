// One WebSocket client on the loop: identity, send queue, partial message, close state.

import BridgeCore

/// Loop-confined state of one WebSocket connection.
final class ClientConnection {
    /// Process-unique id, used in the room index and in logs.
    let id: Int
    /// The lws connection, as an opaque handle valid until `LWS_CALLBACK_CLOSED`.
    let wsi: OpaquePointer
    let peerAddress: String
    let connectedAt: Double
    /// Set once a valid token was presented.
    var claims: JWTClaims?
    /// Monotonic seconds by which an unauthenticated connection must authenticate.
    var authDeadline: Double
    /// Frames waiting for the socket, oldest first, and their total payload bytes.
    var queue: [SharedFrame] = []
    var queueHead = 0
    var queuedBytes = 0
    /// Fragments of the message being received.
    var incoming: [UInt8] = []
    /// When set, the next writeable callback sends this close code and drops the connection.
    var closing: (code: CloseCode, reason: String)?
    /// Which per-IP and per-user counts this connection holds a place in.
    let capKeys: CapKeys
    /// Monotonic seconds of the last client message (the idle timeout counts from it).
    var lastMessageAt: Double
    /// Monotonic seconds of the last frame of any kind, pongs included (the heartbeat counts from it).
    var lastFrameAt: Double
    /// Set when the client sent a close frame: its goodbye, not a dropped heartbeat.
    var peerClosed = false
    /// Monotonic seconds of the last heartbeat ping; nil before the first.
    var lastPingAt: Double?
    /// A heartbeat ping waits for the next writeable callback.
    var pingDue = false
    /// Set when the heartbeat gave up on the peer and the connection is being dropped.
    var hungUp = false
    /// Its writeable request waits for the end of the fan-out coalescing window.
    var writeHeld = false
    /// Whether this connection took a per-user place at its first `auth` message.
    var userCounted = false
    /// Set when `auth_expiring` was sent: the refresh must arrive by then.
    var refreshDeadline: Double?
    /// Subscriptions waiting for their organisation's latest `seq`.
    var pendingSubscriptions: [SubscribeRequest] = []
    /// Subscriptions catching up from the store, by room.
    var replays: [Room: ReplayState] = [:]

    init(id: Int, wsi: OpaquePointer, upgrade: PendingUpgrade, now: Double, authTimeout: Double) {
        self.id = id
        self.wsi = wsi
        peerAddress = upgrade.peerAddress
        claims = upgrade.claims
        capKeys = CapKeys(address: upgrade.peerAddress, user: upgrade.claims.map(CapKeys.userKey))
        connectedAt = now
        lastMessageAt = now
        lastFrameAt = now
        authDeadline = now + authTimeout
    }

    /// Whether anything waits to be written.
    var hasQueuedFrames: Bool { queueHead < queue.count }

    /// Appends a frame. When that would pass `limit` queued bytes, first conflates queued order
    /// updates (keeping only the newest of each entity); returns how many frames conflation
    /// dropped, or nil when the queue still overflows. A frame alone in the queue is taken
    /// whatever its size: an event as large as the webhook body limit outgrows the default
    /// limit once wrapped, and refusing it would refuse it to every client, at every resume.
    func enqueue(_ frame: SharedFrame, limit: Int) -> Int? {
        queue.append(frame)
        queuedBytes += frame.count
        guard queuedBytes > limit, queuedBytes > frame.count else { return 0 }
        let dropped = conflate()
        return queuedBytes <= limit ? dropped : nil
    }

    private func conflate() -> Int {
        var seen: Set<String> = []
        var kept: [SharedFrame] = []
        for frame in queue[queueHead...].reversed() {
            if let key = frame.conflationKey, !seen.insert(key).inserted { continue }
            kept.append(frame)
        }
        let dropped = queue.count - queueHead - kept.count
        queue = kept.reversed()
        queueHead = 0
        queuedBytes = queue.reduce(0) { $0 + $1.count }
        return dropped
    }

    /// Takes the oldest queued frames, at least one when any is queued, then as many more as fit
    /// within `maxFrames` and `maxBytes`.
    func dequeue(maxFrames: Int, maxBytes: Int) -> [SharedFrame] {
        var taken: [SharedFrame] = []
        var bytes = 0
        while queueHead < queue.count, taken.count < maxFrames {
            let next = queue[queueHead]
            if !taken.isEmpty, bytes + next.count > maxBytes { break }
            taken.append(next)
            bytes += next.count
            queueHead += 1
        }
        queuedBytes -= bytes
        if queueHead == queue.count {
            queue.removeAll(keepingCapacity: queue.count <= 64)
            queueHead = 0
        }
        return taken
    }

    /// Drops everything queued, for a connection about to close.
    func clearQueue() {
        queue.removeAll()
        queueHead = 0
        queuedBytes = 0
    }
}

/// The per-IP and per-user connection counts one connection takes a place in.
struct CapKeys {
    var address: String
    var user: String?

    /// The key of a user: organisation and subject, which together name one person.
    static func userKey(_ claims: JWTClaims) -> String {
        PresenceReport.userKey(orgID: claims.orgID, subject: claims.subject)
    }
}

/// What the upgrade filter learned about a connection before it was established.
struct PendingUpgrade {
    var claims: JWTClaims?
    var peerAddress: String
}

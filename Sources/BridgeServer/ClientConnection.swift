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
    /// Subscriptions waiting for their organisation's latest `seq`.
    var pendingSubscriptions: [RoomSubscription] = []

    init(id: Int, wsi: OpaquePointer, peerAddress: String, claims: JWTClaims?, now: Double, authTimeout: Double) {
        self.id = id
        self.wsi = wsi
        self.peerAddress = peerAddress
        self.claims = claims
        connectedAt = now
        authDeadline = now + authTimeout
    }

    /// Whether anything waits to be written.
    var hasQueuedFrames: Bool { queueHead < queue.count }

    /// Appends a frame; returns false when that would pass `limit` queued bytes.
    func enqueue(_ frame: SharedFrame, limit: Int) -> Bool {
        guard queuedBytes + frame.count <= limit else { return false }
        queue.append(frame)
        queuedBytes += frame.count
        return true
    }

    /// Takes the oldest queued frame.
    func dequeue() -> SharedFrame? {
        guard queueHead < queue.count else { return nil }
        let frame = queue[queueHead]
        queueHead += 1
        queuedBytes -= frame.count
        if queueHead == queue.count {
            queue.removeAll(keepingCapacity: queue.count <= 64)
            queueHead = 0
        }
        return frame
    }

    /// Drops everything queued, for a connection about to close.
    func clearQueue() {
        queue.removeAll()
        queueHead = 0
        queuedBytes = 0
    }
}

// One encoded WebSocket message, with libwebsockets' headroom, shared by every recipient.

import CLibWebSockets

/// A message payload encoded once and written to many connections.
///
/// lws writes the frame header into the `LWS_PRE` bytes in front of the payload. Every write
/// happens on the event-loop thread, one at a time, and the header is the same for every
/// recipient of the same payload, so one buffer serves them all. The payload itself is never
/// changed after `init`, which is what makes handing it across threads safe.
final class SharedFrame: @unchecked Sendable {
    /// Payload length in bytes.
    let count: Int
    /// Frames with the same key carry successive states of one entity; a slow consumer may
    /// skip to the newest. Nil for frames that must never be dropped.
    let conflationKey: String?
    /// Monotonic seconds when the webhook behind this frame was received; nil for other messages.
    let receivedAt: Double?
    private let storage: UnsafeMutableRawPointer

    init(payload: [UInt8], conflationKey: String? = nil, receivedAt: Double? = nil) {
        count = payload.count
        self.conflationKey = conflationKey
        self.receivedAt = receivedAt
        storage = UnsafeMutableRawPointer.allocate(byteCount: bridge_lws_pre + max(payload.count, 1), alignment: 16)
        payload.withUnsafeBytes { bytes in
            if let base = bytes.baseAddress {
                (storage + bridge_lws_pre).copyMemory(from: base, byteCount: bytes.count)
            }
        }
    }

    deinit {
        storage.deallocate()
    }

    /// The first payload byte; `LWS_PRE` writable bytes precede it.
    var payload: UnsafeMutablePointer<UInt8> {
        (storage + bridge_lws_pre).assumingMemoryBound(to: UInt8.self)
    }
}

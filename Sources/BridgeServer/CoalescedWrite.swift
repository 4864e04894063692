// Several queued messages written to a socket in one lws_write, to cut syscalls per delivery.

import CLibWebSockets

/// A loop-owned scratch buffer into which queued messages are laid out as complete
/// server-to-client frames (FIN, text opcode, unmasked), then handed to lws as one raw write.
///
/// lws frames one message per `lws_write`, and a write is a system call; under fan-out most of
/// the server's time is that call. lws still owns the socket: it takes the bytes with
/// `LWS_WRITE_RAW`, buffers whatever the kernel does not accept, and holds further writeable
/// callbacks until the rest is out. Only complete frames are ever written, so lws's own control
/// frames (pings, close) always land between frames.
final class CoalescedWrite {
    /// Most bytes gathered into one write.
    static let maxBytes = 256 * 1024
    /// Most frames gathered into one write.
    static let maxFrames = 256

    private var storage: UnsafeMutableRawPointer
    private var capacity: Int

    init() {
        capacity = 64 * 1024
        storage = .allocate(byteCount: bridge_lws_pre + capacity, alignment: 16)
    }

    deinit {
        storage.deallocate()
    }

    /// Header bytes RFC 6455 needs in front of a payload of `count` bytes from a server.
    static func headerSize(_ count: Int) -> Int {
        count < 126 ? 2 : (count <= 0xFFFF ? 4 : 10)
    }

    /// Writes `frames` to `wsi` as one raw write; returns lws's result (negative on failure).
    func write(_ frames: [SharedFrame], to wsi: OpaquePointer) -> Int32 {
        let total = frames.reduce(0) { $0 + Self.headerSize($1.count) + $1.count }
        reserve(total)
        var cursor = (storage + bridge_lws_pre).assumingMemoryBound(to: UInt8.self)
        for frame in frames {
            cursor = Self.writeHeader(length: frame.count, at: cursor)
            cursor.update(from: frame.payload, count: frame.count)
            cursor += frame.count
        }
        let start = (storage + bridge_lws_pre).assumingMemoryBound(to: UInt8.self)
        // LWS_WRITE_RAW is a macro for LWS_WRITE_HTTP, which the ws role sends unframed.
        return lws_write(wsi, start, total, LWS_WRITE_HTTP)
    }

    private func reserve(_ bytes: Int) {
        guard bytes > capacity else { return }
        storage.deallocate()
        capacity = max(bytes, capacity * 2)
        storage = .allocate(byteCount: bridge_lws_pre + capacity, alignment: 16)
    }

    private static func writeHeader(length: Int, at cursor: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8>
    {
        cursor[0] = 0x81  // FIN, text
        if length < 126 {
            cursor[1] = UInt8(length)
            return cursor + 2
        }
        if length <= 0xFFFF {
            cursor[1] = 126
            cursor[2] = UInt8(truncatingIfNeeded: length >> 8)
            cursor[3] = UInt8(truncatingIfNeeded: length)
            return cursor + 4
        }
        cursor[1] = 127
        for index in 0..<8 {
            cursor[2 + index] = UInt8(truncatingIfNeeded: UInt64(length) >> (UInt64(7 - index) * 8))
        }
        return cursor + 10
    }
}

// Decoding of the frames a server sends, checked against what RFC 6455 allows a server.

/// One frame read from the server.
struct ServerFrame {
    /// The FIN bit.
    var fin: Bool
    /// The opcode nibble.
    var opcode: UInt8
    /// The (unmasked) payload.
    var payload: [UInt8]

    /// Takes one complete frame off the front of `connection`'s buffer, or returns nil (consuming
    /// nothing) when the buffer holds only part of one. Throws on frames a server must not send.
    static func parse(from connection: BufferedConnection, maxPayload: Int) throws -> ServerFrame? {
        let bytes = connection.pending
        guard bytes.count >= 2 else { return nil }
        let fin = bytes[0] & 0x80 != 0
        let opcode = bytes[0] & 0x0F
        guard bytes[0] & 0x70 == 0 else {
            throw TestClientError.protocolViolation("RSV bits set without a negotiated extension")
        }
        guard bytes[1] & 0x80 == 0 else { throw TestClientError.protocolViolation("masked frame from the server") }

        var headerLength = 2
        var length = UInt64(bytes[1] & 0x7F)
        if length == 126 {
            headerLength = 4
            guard bytes.count >= headerLength else { return nil }
            length = UInt64(bytes[2]) << 8 | UInt64(bytes[3])
        } else if length == 127 {
            headerLength = 10
            guard bytes.count >= headerLength else { return nil }
            length = bytes[2..<10].reduce(0) { $0 << 8 | UInt64($1) }
        }
        guard length <= UInt64(maxPayload) else {
            throw TestClientError.protocolViolation("frame of \(length) bytes, over \(maxPayload)")
        }
        if opcode & 0x8 != 0 {
            guard fin, length <= 125 else {
                throw TestClientError.protocolViolation("control frame fragmented or over 125 bytes")
            }
        }
        let total = headerLength + Int(length)
        guard bytes.count >= total else { return nil }
        let frame = connection.take(total)
        return ServerFrame(fin: fin, opcode: opcode, payload: Array(frame[headerLength...]))
    }
}

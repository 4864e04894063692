// One WebSocket frame as the test client writes it, including deliberately malformed ones.

/// A frame to send. The defaults give a well-formed, masked, final text frame; every field can be
/// set to something RFC 6455 forbids, for the hardening tests.
struct WebSocketFrame: Sendable {
    /// Frame opcodes, including the reserved ones a hostile client might use.
    enum Opcode: UInt8, Sendable {
        /// The next fragment of a message.
        case continuation = 0x0
        /// The first (or only) frame of a text message.
        case text = 0x1
        /// The first (or only) frame of a binary message.
        case binary = 0x2
        /// Reserved non-control opcode; sending it is a protocol violation.
        case reservedData = 0x3
        /// Close, with an optional code and reason.
        case close = 0x8
        /// Ping; the peer must answer with a pong carrying the same payload.
        case ping = 0x9
        /// Pong.
        case pong = 0xA
        /// Reserved control opcode; sending it is a protocol violation.
        case reservedControl = 0xB

        /// True for close, ping, pong and the reserved control opcodes.
        var isControl: Bool { rawValue & 0x8 != 0 }
    }

    /// The FIN bit: false for every fragment but the last.
    var fin = true
    /// The three RSV bits, shifted to the low bits (0...7).
    var rsv: UInt8 = 0
    /// The raw opcode nibble, so that any of the 16 values can be sent.
    var opcode: UInt8
    /// Whether a masking key is sent and the payload masked, as clients must.
    var masked = true
    /// The payload before masking.
    var payload: [UInt8]
    /// A length to announce instead of `payload.count`, to lie about the size.
    var declaredLength: UInt64?

    /// A frame with the given opcode and payload.
    init(_ opcode: Opcode, _ payload: [UInt8] = [], fin: Bool = true) {
        self.opcode = opcode.rawValue
        self.payload = payload
        self.fin = fin
    }

    /// A frame with any opcode nibble, reserved ones included.
    init(rawOpcode: UInt8, _ payload: [UInt8] = []) {
        self.opcode = rawOpcode & 0x0F
        self.payload = payload
    }

    /// A final text frame.
    static func text(_ text: String) -> WebSocketFrame {
        WebSocketFrame(.text, Array(text.utf8))
    }

    /// A close frame with a status code and reason.
    static func close(code: UInt16, reason: String = "") -> WebSocketFrame {
        WebSocketFrame(.close, [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8))
    }

    /// The bytes on the wire, masked with `maskKey` (four bytes) when `masked`.
    func encoded(maskKey: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0x0F)]
        let maskBit: UInt8 = masked ? 0x80 : 0
        let length = declaredLength ?? UInt64(payload.count)
        switch length {
        case 0...125:
            bytes.append(maskBit | UInt8(length))
        case 126...0xFFFF:
            bytes.append(maskBit | 126)
            bytes += [UInt8(length >> 8), UInt8(length & 0xFF)]
        default:
            bytes.append(maskBit | 127)
            bytes += (0..<8).reversed().map { UInt8((length >> (UInt64($0) * 8)) & 0xFF) }
        }
        guard masked else { return bytes + payload }
        let key = maskKey.count == 4 ? maskKey : [0x12, 0x34, 0x56, 0x78]
        bytes += key
        bytes += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        return bytes
    }
}

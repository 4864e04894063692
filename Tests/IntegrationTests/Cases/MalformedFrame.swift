// Client frames that break RFC 6455 or the bridge's limits, with the close code each must get.

/// One malformed frame sequence; the server under test runs with `WS_MAX_MESSAGE_BYTES=4096`.
enum MalformedFrame: String, Sendable, CaseIterable, CustomStringConvertible {
    case unmaskedFrame
    case reservedDataOpcode
    case reservedControlOpcode
    case controlFrameOver125Bytes
    case fragmentedControlFrame
    case rsvBitsWithoutExtension
    case continuationWithoutStart
    case newMessageInsideAFragmentedOne
    case invalidUTF8Text
    case invalidUTF8AcrossFragments
    case messageOverTheLimit
    case fragmentsOverTheLimit
    case fragmentClaimingTheLargestLength
    case closeWithOneBytePayload

    /// Where libwebsockets 4.1 (Debian 12), which parses every frame before the bridge sees it,
    /// answers differently from RFC 6455; nil where the bridge's answer is exact.
    var transportGap: String? {
        switch self {
        case .unmaskedFrame:
            "lws 4.1 does not check the mask bit of client frames, so the frame is read as masked"
        case .controlFrameOver125Bytes:
            "lws 4.1 drops the TCP connection without sending a close frame"
        case .closeWithOneBytePayload:
            "lws 4.1 echoes the 1-byte close payload instead of closing with 1002"
        default:
            nil
        }
    }

    var description: String { rawValue }

    /// The close code RFC 6455 and the product contract assign.
    var expectedCode: UInt16 {
        switch self {
        case .invalidUTF8Text, .invalidUTF8AcrossFragments: 1007
        case .messageOverTheLimit, .fragmentsOverTheLimit, .fragmentClaimingTheLargestLength: 1009
        default: 1002
        }
    }

    /// The frames to send, in order.
    var frames: [WebSocketFrame] {
        let ping = Array(#"{"type":"ping"}"#.utf8)
        switch self {
        case .unmaskedFrame:
            var frame = WebSocketFrame(.text, ping)
            frame.masked = false
            return [frame]
        case .reservedDataOpcode:
            return [WebSocketFrame(.reservedData, ping)]
        case .reservedControlOpcode:
            return [WebSocketFrame(.reservedControl)]
        case .controlFrameOver125Bytes:
            return [WebSocketFrame(.ping, [UInt8](repeating: 0x61, count: 126))]
        case .fragmentedControlFrame:
            return [WebSocketFrame(.ping, Array("half".utf8), fin: false)]
        case .rsvBitsWithoutExtension:
            var frame = WebSocketFrame(.text, ping)
            frame.rsv = 0b100
            return [frame]
        case .continuationWithoutStart:
            return [WebSocketFrame(.continuation, ping)]
        case .newMessageInsideAFragmentedOne:
            return [WebSocketFrame(.text, Array(ping[..<4]), fin: false), WebSocketFrame(.text, ping)]
        case .invalidUTF8Text:
            return [WebSocketFrame(.text, [0x7B, 0xC3, 0x28, 0x7D])]
        case .invalidUTF8AcrossFragments:
            return [
                WebSocketFrame(.text, [0x7B, 0x22, 0xED], fin: false),
                WebSocketFrame(.continuation, [0xA0, 0x80, 0x22]),
            ]
        case .messageOverTheLimit:
            return [WebSocketFrame(.text, [UInt8](repeating: 0x20, count: 5000))]
        case .fragmentsOverTheLimit:
            let part = [UInt8](repeating: 0x20, count: 1500)
            return [
                WebSocketFrame(.text, part, fin: false), WebSocketFrame(.continuation, part, fin: false),
                WebSocketFrame(.continuation, part, fin: false), WebSocketFrame(.continuation, part),
            ]
        case .fragmentClaimingTheLargestLength:
            // 2^63 - 1, the most RFC 6455 allows, after a first fragment: the sizes add past Int.max.
            var claim = WebSocketFrame(.continuation, [UInt8](repeating: 0x20, count: 64))
            claim.declaredLength = UInt64(Int64.max)
            return [WebSocketFrame(.text, Array(ping[..<4]), fin: false), claim]
        case .closeWithOneBytePayload:
            return [WebSocketFrame(.close, [0x03])]
        }
    }
}

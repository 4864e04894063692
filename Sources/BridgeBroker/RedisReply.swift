// A Redis reply copied out of hiredis's reply tree, so nothing points into C memory afterwards.

import CHiredis

/// One reply from the server.
enum RedisReply: Sendable, Equatable {
    /// A bulk string, as bytes.
    case bytes([UInt8])
    /// A status line such as `OK`.
    case status(String)
    /// An error line such as `NOAUTH …`.
    case error(String)
    /// An integer.
    case integer(Int64)
    /// The nil bulk string or array.
    case null
    /// A multi-bulk reply.
    case array([RedisReply])

    /// Deepest nesting copied; Redis's own replies to our commands are at most two levels deep.
    static let maxDepth = 4

    /// Copies `reply`; nil for a shape deeper than `maxDepth` or a type hiredis should not return.
    init?(_ reply: UnsafePointer<redisReply>, depth: Int = 0) {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            self = .bytes(Self.bytes(value))
        case REDIS_REPLY_STATUS:
            self = .status(String(decoding: Self.bytes(value), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            self = .error(String(decoding: Self.bytes(value), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int64(value.integer))
        case REDIS_REPLY_NIL:
            self = .null
        case REDIS_REPLY_ARRAY:
            guard depth < Self.maxDepth else { return nil }
            var elements: [RedisReply] = []
            elements.reserveCapacity(min(value.elements, 64))
            for index in 0..<value.elements {
                guard let element = bridge_redis_reply_element(reply, index),
                    let copied = RedisReply(element, depth: depth + 1)
                else { return nil }
                elements.append(copied)
            }
            self = .array(elements)
        default:
            return nil
        }
    }

    private static func bytes(_ value: redisReply) -> [UInt8] {
        guard let str = value.str, value.len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: str, count: value.len))
    }

    /// The bytes of a bulk string or status, for matching reply kinds such as `pmessage`.
    var text: String? {
        switch self {
        case .bytes(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        default: nil
        }
    }
}

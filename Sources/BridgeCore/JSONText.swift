// Writes JSON text by hand for the messages the bridge sends often, with safe string escaping.

/// Appends JSON tokens to a byte buffer. Strings are escaped so that no value can break out of
/// its quotes or start a new line (CR, LF, U+2028 and U+2029 are escaped too).
public struct JSONText: Sendable {
    /// The text written so far, UTF-8.
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    /// Creates an empty buffer with room for `capacity` bytes before it must grow.
    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Opens an object.
    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    /// Closes an object.
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Opens an array.
    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// Closes an array.
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"key":` inside an object.
    public mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes a string value, or `null`.
    public mutating func string(_ value: String?) {
        separate()
        if let value { appendQuoted(value) } else { bytes.append(contentsOf: "null".utf8) }
        needsComma = true
    }

    /// Writes an integer value, or `null`.
    public mutating func integer(_ value: Int64?) {
        separate()
        bytes.append(contentsOf: (value.map { String($0) } ?? "null").utf8)
        needsComma = true
    }

    /// Writes a boolean value.
    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    /// Writes text that is already valid JSON, such as a stored `data` object.
    public mutating func raw(_ json: String) {
        separate()
        bytes.append(contentsOf: json.utf8)
        needsComma = true
    }

    /// Convenience: `"key":"value"`.
    public mutating func field(_ name: String, _ value: String?) {
        key(name)
        string(value)
    }

    /// Convenience: `"key":123`.
    public mutating func field(_ name: String, _ value: Int64?) {
        key(name)
        integer(value)
    }

    /// Convenience: `"key":true`.
    public mutating func field(_ name: String, _ value: Bool) {
        key(name)
        bool(value)
    }

    /// The text as a Swift string.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func appendQuoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        let utf8 = Array(value.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), byte])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), byte])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20, 0x7F:
                appendUnicodeEscape(UInt16(byte))
            case 0xEF where index + 1 < utf8.count && utf8[index] == 0xBB && utf8[index + 1] == 0xBF:
                // U+FEFF: some parsers drop it as a byte-order mark.
                appendUnicodeEscape(0xFEFF)
                index += 2
            case 0xE2 where index + 1 < utf8.count && utf8[index] == 0x80 && (utf8[index + 1] & 0xFE) == 0xA8:
                // U+2028 and U+2029 end a line in JavaScript and in many log viewers.
                appendUnicodeEscape(utf8[index + 1] == 0xA8 ? 0x2028 : 0x2029)
                index += 2
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendUnicodeEscape(_ value: UInt16) {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            bytes.append(digits[Int((value >> UInt16(shift)) & 0xF)])
        }
    }
}

/// Builds one JSON object through a closure: `JSONText.object { $0.field("type", "pong") }`.
extension JSONText {
    /// A complete object's bytes.
    public static func object(capacity: Int = 128, _ body: (inout JSONText) -> Void) -> [UInt8] {
        var text = JSONText(capacity: capacity)
        text.beginObject()
        body(&text)
        text.endObject()
        return text.bytes
    }
}

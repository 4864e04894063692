// Drops the whitespace between JSON tokens, so that a sender's pretty-printed text travels as one
// line without being decoded and re-encoded.

/// Whitespace removal for JSON text that has already been validated.
public enum JSONWhitespace {
    /// `text` without spaces, tabs, carriage returns and line feeds outside strings. Everything
    /// else (key order, number spelling, string escapes) is kept byte for byte.
    public static func removed(from text: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var inString = false
        var escaped = false
        for byte in text {
            if inString {
                output.append(byte)
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D:
                continue
            case UInt8(ascii: "\""):
                inString = true
                output.append(byte)
            default:
                output.append(byte)
            }
        }
        return output
    }
}

// Drops the whitespace between JSON tokens, so that a sender's pretty-printed text travels as one
// line without being decoded and re-encoded.

/// Whitespace removal for JSON text that has already been validated.
public enum JSONWhitespace {
    /// `text` without spaces, tabs, carriage returns and line feeds outside strings. Everything
    /// else (key order, number spelling, string escapes) is kept byte for byte.
    public static func removed(from text: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var strings = JSONStringTracker()
        for byte in text {
            let isWhitespace = byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
            if strings.isInString(byte) || !isWhitespace {
                output.append(byte)
            }
        }
        return output
    }
}

// Tells, byte by byte, whether JSON text is inside a string, for scanners that must leave string
// contents alone.

/// Follows string boundaries and escapes through JSON text one byte at a time.
struct JSONStringTracker {
    private var inString = false
    private var escaped = false

    /// Takes the next byte; true when it belongs to a string (its quotes included).
    mutating func isInString(_ byte: UInt8) -> Bool {
        if inString {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
            }
            return true
        }
        if byte == UInt8(ascii: "\"") {
            inString = true
            return true
        }
        return false
    }
}

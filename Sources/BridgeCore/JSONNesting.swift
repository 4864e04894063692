// A cheap pre-check that refuses deeply nested JSON before a recursive decoder sees it.

/// Measures how deeply arrays and objects nest in JSON text, skipping string contents.
public enum JSONNesting {
    /// Deepest nesting the bridge accepts anywhere; real order payloads stay far below it.
    public static let maxDepth = 32

    /// True when no array or object in `bytes` nests deeper than `limit`.
    public static func isWithin(_ bytes: some Collection<UInt8>, limit: Int = maxDepth) -> Bool {
        var depth = 0
        var strings = JSONStringTracker()
        for byte in bytes where !strings.isInString(byte) {
            switch byte {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit { return false }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth = max(depth - 1, 0)
            default:
                break
            }
        }
        return true
    }
}

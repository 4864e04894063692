// UTC timestamps with milliseconds, exact from integer milliseconds, for audit records and API answers.

/// Formats Unix milliseconds as `2025-03-14T09:21:07.123Z`.
public enum AuditTimestamp {
    /// The RFC 3339 UTC form of `millis`; times before 1970 are written as the epoch.
    public static func iso8601(millis: Int64) -> String {
        let clamped = max(0, millis)
        let seconds = clamped / 1000
        let fraction = clamped % 1000
        // Half a millisecond keeps the formatter's rounding down on the right millisecond.
        return LogTime.iso8601(Double(seconds) + (Double(fraction) + 0.5) / 1000)
    }
}

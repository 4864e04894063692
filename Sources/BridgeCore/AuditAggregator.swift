// Per-minute aggregation of repeated security events, so that an attack cannot flood the trail.

/// Decides which security events are written and which are only counted.
///
/// An event without an `aggregationKey` is always written. Of the events sharing a name and a
/// key within one calendar minute (UTC), the first is written at once and the rest are counted;
/// when the minute is over, one summary record carries that count. A value type with no clock
/// of its own: the caller passes the time in, and calls `expire(atMillis:)` now and then (the
/// auditor does it from a timer) so that summaries are not held back until the next event.
public struct AuditAggregator: Sendable {
    /// The aggregation window: one minute.
    public static let windowMillis: Int64 = 60_000
    /// Default bound on the keys tracked per window.
    public static let defaultMaxKeys = 10_000
    /// The key that events with a new key share once `maxKeys` keys are tracked, so that an
    /// attacker rotating addresses cannot grow the table either.
    public static let overflowKey = "*"

    private struct Key: Hashable {
        var name: String
        var aggregationKey: String
    }

    private struct Window {
        var minute: Int64
        var first: SecurityEvent
        var suppressed: Int
    }

    /// Most keys tracked at once.
    public let maxKeys: Int
    private var windows: [Key: Window] = [:]

    /// An aggregator tracking at most `maxKeys` keys at once.
    public init(maxKeys: Int = defaultMaxKeys) {
        self.maxKeys = max(1, maxKeys)
    }

    /// How many keys are being counted.
    public var trackedKeys: Int { windows.count }

    /// The records to write now for `event` happening at `atMillis`: summaries of windows that
    /// ended before it, then the event itself unless it was only counted.
    public mutating func admit(_ event: SecurityEvent, atMillis: Int64) -> [AuditRecord] {
        var records = expire(atMillis: atMillis)
        guard let aggregationKey = event.aggregationKey else {
            records.append(AuditRecord(event: event, atMillis: atMillis))
            return records
        }
        var key = Key(name: event.name, aggregationKey: aggregationKey)
        if windows[key] == nil, windows.count >= maxKeys {
            key.aggregationKey = Self.overflowKey
        }
        if var window = windows[key] {
            // Saturating: a count cannot wrap, however long a window lasts.
            window.suppressed = window.suppressed == Int.max ? Int.max : window.suppressed + 1
            windows[key] = window
            return records
        }
        var first = event
        if key.aggregationKey == Self.overflowKey {
            first.clientIP = Self.overflowKey
            first.metadata["aggregationOverflow"] = "true"
        }
        windows[key] = Window(minute: Self.minute(of: atMillis), first: first, suppressed: 0)
        records.append(AuditRecord(event: first, atMillis: atMillis))
        return records
    }

    /// Closes every window whose minute is over at `atMillis` and returns the summaries of
    /// those that counted anything, in a stable order.
    public mutating func expire(atMillis: Int64) -> [AuditRecord] {
        let current = Self.minute(of: atMillis)
        let ended = windows.filter { $0.value.minute < current }
        for key in ended.keys {
            windows[key] = nil
        }
        return Self.summaries(of: ended) { window in (window.minute + 1) * Self.windowMillis }
    }

    /// Closes every window now, ended or not (at shutdown), and returns their summaries.
    public mutating func drain(atMillis: Int64) -> [AuditRecord] {
        let all = windows
        windows = [:]
        return Self.summaries(of: all) { window in
            min(max(atMillis, window.minute * Self.windowMillis), (window.minute + 1) * Self.windowMillis)
        }
    }

    /// One summary per window that counted events, sorted by event name and key.
    private static func summaries(
        of windows: [Key: Window],
        endingAt end: (Window) -> Int64
    ) -> [AuditRecord] {
        let keys = windows.keys.sorted {
            ($0.name, $0.aggregationKey) < ($1.name, $1.aggregationKey)
        }
        return keys.compactMap { key in
            guard let window = windows[key], window.suppressed > 0 else { return nil }
            var event = window.first
            let windowEnd = end(window)
            event.metadata["aggregate"] = "minute"
            event.metadata["windowStart"] = AuditTimestamp.iso8601(millis: window.minute * Self.windowMillis)
            event.metadata["windowEnd"] = AuditTimestamp.iso8601(millis: windowEnd)
            // The requests counted were many; no single one speaks for them.
            event.requestID = nil
            event.userAgent = nil
            return AuditRecord(event: event, atMillis: windowEnd, count: window.suppressed)
        }
    }

    /// The last millisecond of the year 9999; later clock readings are taken as that, so that
    /// the window arithmetic can never overflow.
    private static let latestMillis: Int64 = 253_402_300_799_999

    /// The calendar minute of `millis`, counted from the epoch; earlier times count as minute 0.
    private static func minute(of millis: Int64) -> Int64 {
        min(max(0, millis), latestMillis) / windowMillis
    }
}

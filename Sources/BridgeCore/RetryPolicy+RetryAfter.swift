// Reading `Retry-After`: delay-seconds or an HTTP date (IMF-fixdate).

extension RetryPolicy {
    /// Longest `Retry-After` header considered.
    static let maxRetryAfterBytes = 64

    /// The wait a `Retry-After` value asks for, in milliseconds from `nowMillis`; nil when it is
    /// neither delay-seconds nor an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`). A date in the
    /// past asks for no wait. The obsolete RFC 850 and asctime forms count as unusable.
    public static func retryAfterMillis(_ value: String, nowMillis: Int64) -> Int64? {
        guard value.utf8.count <= maxRetryAfterBytes else {
            return nil
        }
        let text = value.trimmingWhitespace
        if let seconds = digits(Substring(text), maxCount: 18) {
            let (millis, overflow) = seconds.multipliedReportingOverflow(by: 1000)
            return overflow ? .max : millis
        }
        guard let date = imfFixdate(text) else {
            return nil
        }
        return max(0, date * 1000 - nowMillis.clamped(to: -(Int64.max / 2)...(Int64.max / 2)))
    }

    /// Unix seconds of `Www, DD Mmm YYYY HH:MM:SS GMT`, or nil.
    private static func imfFixdate(_ text: String) -> Int64? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[5] == "GMT", parts[0].hasSuffix(","),
            weekdays.contains(String(parts[0].dropLast())),
            let day = digits(parts[1], exactCount: 2),
            let month = months.firstIndex(of: String(parts[2])),
            let year = digits(parts[3], exactCount: 4)
        else {
            return nil
        }
        let clock = parts[4].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3,
            let hour = digits(clock[0], exactCount: 2),
            let minute = digits(clock[1], exactCount: 2),
            let second = digits(clock[2], exactCount: 2)
        else {
            return nil
        }
        let civil = DeliveryCalendar.Civil(
            year: year,
            month: Int64(month) + 1,
            day: day,
            hour: hour,
            minute: minute,
            second: second
        )
        return civil.unixSeconds
    }

    /// The value of exactly `exactCount` ASCII digits.
    private static func digits(_ text: Substring, exactCount: Int) -> Int64? {
        text.utf8.count == exactCount ? digits(text, maxCount: exactCount) : nil
    }

    /// The value of 1 to `maxCount` ASCII digits (at most 18, so it cannot overflow).
    private static func digits(_ text: Substring, maxCount: Int) -> Int64? {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= min(maxCount, 18) else {
            return nil
        }
        var value: Int64 = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                return nil
            }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static let weekdays: Set<String> = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
}

extension Int64 {
    /// The value limited to `range`.
    fileprivate func clamped(to range: ClosedRange<Int64>) -> Int64 {
        Swift.min(Swift.max(self, range.lowerBound), range.upperBound)
    }
}

// Proleptic Gregorian calendar arithmetic for the acknowledgement's dates, without Foundation.

/// Converts between Unix time and civil UTC dates, for `deliveredAt` (RFC 3339) and the HTTP
/// dates of `Retry-After`. Only the years 1 to 9999 are handled.
public enum DeliveryCalendar {
    /// A UTC date and time of day.
    public struct Civil: Sendable, Equatable {
        /// 1 to 9999.
        public var year: Int64
        /// 1 to 12.
        public var month: Int64
        /// 1 to 31.
        public var day: Int64
        /// 0 to 23.
        public var hour: Int64
        /// 0 to 59.
        public var minute: Int64
        /// 0 to 59 (60 is folded into the next minute by `unixSeconds`).
        public var second: Int64

        /// A date and time, unchecked; `unixSeconds` checks it.
        public init(year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64) {
            self.year = year
            self.month = month
            self.day = day
            self.hour = hour
            self.minute = minute
            self.second = second
        }

        /// Seconds since the Unix epoch, or nil for a date or time that does not exist.
        public var unixSeconds: Int64? {
            guard (1...9999).contains(year), (1...12).contains(month), (0...23).contains(hour),
                (0...59).contains(minute), (0...60).contains(second),
                (1...DeliveryCalendar.daysIn(month: month, year: year)).contains(day)
            else {
                return nil
            }
            let days = DeliveryCalendar.days(year: year, month: month, day: day)
            return days * 86_400 + hour * 3_600 + minute * 60 + second
        }
    }

    /// `seconds` since the epoch as a civil date, or nil outside the years 1 to 9999.
    public static func civil(unixSeconds seconds: Int64) -> Civil? {
        // Years 1 and 9999 bound the range; checking here keeps the arithmetic below small.
        guard seconds >= -62_135_596_800, seconds <= 253_402_300_799 else {
            return nil
        }
        let days = floorDivide(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = date(days: days)
        return Civil(
            year: year,
            month: month,
            day: day,
            hour: secondOfDay / 3_600,
            minute: secondOfDay % 3_600 / 60,
            second: secondOfDay % 60
        )
    }

    /// `millis` since the epoch as RFC 3339 UTC with milliseconds, e.g. `2026-12-03T10:15:30.250Z`.
    /// A time outside the years 1 to 9999 (no clock gives one) is written as the epoch.
    public static func rfc3339(unixMillis millis: Int64) -> String {
        let remainder = millis % 1000
        let fraction = remainder < 0 ? remainder + 1000 : remainder
        let epoch = Civil(year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0)
        guard let civil = civil(unixSeconds: floorDivide(millis, 1000)) else {
            return rfc3339(epoch, fraction: 0)
        }
        return rfc3339(civil, fraction: fraction)
    }

    private static func rfc3339(_ civil: Civil, fraction: Int64) -> String {
        pad(civil.year, 4) + "-" + pad(civil.month, 2) + "-" + pad(civil.day, 2) + "T"
            + pad(civil.hour, 2) + ":" + pad(civil.minute, 2) + ":" + pad(civil.second, 2) + "."
            + pad(fraction, 3) + "Z"
    }

    /// Days from 1970-01-01 to the given date; the date must exist.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        // Counting from March puts the leap day last, so a year's length only matters at its end.
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = floorDivide(shiftedYear, 400)
        let yearOfEra = shiftedYear - era * 400
        let shiftedMonth = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` after 1970-01-01; the inverse of `days(year:month:day:)`.
    static func date(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// 28 to 31.
    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2:
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            return leap ? 29 : 28
        case 4, 6, 9, 11:
            return 30
        default:
            return 31
        }
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

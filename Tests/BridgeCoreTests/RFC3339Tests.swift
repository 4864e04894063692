// RFC 3339 `date-time` checking: the calendar, the clock, offsets and every malformed shape.

import BridgeCore
import Testing

private let validTimes = [
    "2025-03-14T09:21:07Z",
    "2024-02-29T00:00:00Z",
    "2000-02-29T12:00:00Z",
    "2400-02-29T12:00:00Z",
    "2024-12-31T23:59:59Z",
    "2024-04-30T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2025-03-14t09:21:07z",
    "2025-03-14t09:21:07Z",
    "2025-03-14T09:21:07z",
    "2025-03-14T09:21:07+01:00",
    "2025-03-14T09:21:07-05:30",
    "2025-03-14T09:21:07+00:00",
    "2025-03-14T09:21:07-00:00",
    "2025-03-14T09:21:07+23:59",
    "2025-03-14T09:21:07.1Z",
    "2025-03-14T09:21:07.123Z",
    "2025-03-14T09:21:07.123456789Z",
    "2025-03-14T09:21:07.000+02:00",
    // The examples of RFC 3339 section 5.8, leap seconds included.
    "1985-04-12T23:20:50.52Z",
    "1996-12-19T16:39:57-08:00",
    "1990-12-31T23:59:60Z",
    "1990-12-31T15:59:60-08:00",
    "1937-01-01T12:00:27.87+00:20",
]

private let invalidTimes = [
    "",
    "2023-02-29T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2100-02-29T00:00:00Z",
    "2024-02-30T00:00:00Z",
    "2024-04-31T00:00:00Z",
    "2024-06-31T00:00:00Z",
    "2024-09-31T00:00:00Z",
    "2024-11-31T00:00:00Z",
    "2024-01-32T00:00:00Z",
    "2024-01-00T00:00:00Z",
    "2024-00-10T00:00:00Z",
    "2024-13-01T00:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T23:60:00Z",
    "2024-01-01T23:59:61Z",
    "2024-01-01T00:00:00",
    "2024-01-01T00:00:00.123",
    "2024-01-01",
    "00:00:00Z",
    "2024-01-01 00:00:00Z",
    "2024-01-01_00:00:00Z",
    "2024-01-01T00:00Z",
    "2024-01-01T0:00:00Z",
    "2024-1-01T00:00:00Z",
    "24-01-01T00:00:00Z",
    "-2024-01-01T00:00:00Z",
    "+02024-01-01T00:00:00Z",
    "2024/01/01T00:00:00Z",
    "2024-01-01T00-00-00Z",
    "2024-01-01T00:00:00+01",
    "2024-01-01T00:00:00+0100",
    "2024-01-01T00:00:00+01:0",
    "2024-01-01T00:00:00+1:00",
    "2024-01-01T00:00:00+24:00",
    "2024-01-01T00:00:00+01:60",
    "2024-01-01T00:00:00+01:00:00",
    "2024-01-01T00:00:00Z+01:00",
    "2024-01-01T00:00:00ZZ",
    "2024-01-01T00:00:00UTC",
    "2024-01-01T00:00:00GMT",
    "2024-01-01T00:00:00.Z",
    "2024-01-01T00:00:00.+01:00",
    "2024-01-01T00:00:00,5Z",
    "2024-01-01T00:00:00.5.5Z",
    "2024-01-01T00:00:00Z ",
    " 2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00Z\n",
    "2024-01-01T00:00:00\u{0}Z",
    "2024-01-01T00:00:00 Z",
    "２０２４-01-01T00:00:00Z",
    "٢٠٢٤-01-01T00:00:00Z",
    "2024-01-01T00:00:00Ｚ",
    "2024-01-01T00:00:00.1" + String(repeating: "0", count: 40) + "Z",
    String(repeating: "2024-01-01T00:00:00Z", count: 50),
    "1741944067",
    "now",
]

@Suite struct RFC3339Tests {
    @Test(arguments: validTimes)
    func validDateTimeIsAccepted(_ text: String) {
        #expect(RFC3339.isValid(text))
    }

    @Test(arguments: invalidTimes)
    func invalidDateTimeIsRefused(_ text: String) {
        #expect(!RFC3339.isValid(text))
    }

    @Test(arguments: 1...12)
    func lastDayOfEveryMonthIsExact(_ month: Int) {
        let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        let last = lengths[month - 1]
        let monthText = month < 10 ? "0\(month)" : "\(month)"
        #expect(RFC3339.isValid("2023-\(monthText)-\(last)T12:00:00Z"))
        #expect(!RFC3339.isValid("2023-\(monthText)-\(last + 1)T12:00:00Z"))
    }

    @Test func everyPrefixOfAValidTimeIsRefusedWithoutCrashing() {
        let full = Array("2025-03-14T09:21:07.123+01:00")
        for length in 0..<full.count {
            #expect(!RFC3339.isValid(String(full[..<length])), "prefix of length \(length)")
        }
    }

    @Test func everySingleByteReplacementIsHandled() {
        // Swapping any one character for a letter must never crash, and digits stay within range checks.
        let full = Array("2025-03-14T09:21:07.123+01:00")
        for index in full.indices {
            var changed = full
            changed[index] = "x"
            #expect(!RFC3339.isValid(String(changed)), "x at \(index)")
        }
    }
}

// Civil-date arithmetic behind `deliveredAt` and HTTP dates, checked against known instants.

import BridgeCore
import Testing

@Suite("Delivery calendar")
struct DeliveryCalendarTests {
    @Test(
        "RFC 3339 of known instants",
        arguments: [
            (Int64(0), "1970-01-01T00:00:00.000Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (1_764_757_530_250, "2025-12-03T10:25:30.250Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
            (4_102_444_800_000, "2100-01-01T00:00:00.000Z"),
        ]
    )
    func rfc3339(millis: Int64, text: String) {
        #expect(DeliveryCalendar.rfc3339(unixMillis: millis) == text)
        #expect(RFC3339.isValid(text))
    }

    @Test("Every day from 1899 to 2101 survives a round trip")
    func roundTrip() throws {
        var seconds: Int64 = -2_208_988_800
        while seconds < 4_133_980_800 {
            let civil = try #require(DeliveryCalendar.civil(unixSeconds: seconds))
            #expect(civil.unixSeconds == seconds)
            seconds += 86_400 + 3_661
        }
    }

    @Test("Dates that do not exist have no time")
    func impossibleDates() {
        let cases = [(2023, 2, 29), (2100, 2, 29), (2024, 4, 31), (2024, 13, 1), (0, 1, 1), (2024, 1, 0)]
        for (year, month, day) in cases {
            let civil = DeliveryCalendar.Civil(
                year: Int64(year),
                month: Int64(month),
                day: Int64(day),
                hour: 0,
                minute: 0,
                second: 0
            )
            #expect(civil.unixSeconds == nil, "\(year)-\(month)-\(day)")
        }
        #expect(DeliveryCalendar.civil(unixSeconds: .max) == nil)
        #expect(DeliveryCalendar.civil(unixSeconds: .min) == nil)
        #expect(DeliveryCalendar.rfc3339(unixMillis: .min) == "1970-01-01T00:00:00.000Z")
    }
}

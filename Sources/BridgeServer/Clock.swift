// Wall-clock and monotonic time for the server, in the units it uses.

import Foundation

/// Time sources. Core logic takes times as arguments; only the shell reads the clock.
enum Clock {
    /// Milliseconds since the Unix epoch.
    static func unixMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// Seconds since the Unix epoch.
    static func unixSeconds() -> Int64 {
        Int64(Date().timeIntervalSince1970.rounded(.down))
    }

    /// Seconds on a clock that never goes backwards.
    static func monotonic() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1_000_000_000
    }
}

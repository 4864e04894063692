// How long a lost link waits before its next connection attempt: doubling, capped, reset on success.

/// Delays between reconnection attempts. A value type: the caller keeps it and asks it.
///
/// Attempt `n` after a loss waits `min(maxMillis, baseMillis × 2^(n−1))`, minus up to
/// `jitterFraction` of that drawn from the caller's random source, so that many instances that
/// lost the same server do not all return in the same millisecond.
public struct ReconnectBackoff: Sendable, Equatable {
    /// The first delay, in milliseconds.
    public var baseMillis: Int64
    /// The largest delay, in milliseconds.
    public var maxMillis: Int64
    /// The share of a delay (0–1) that may be taken off at random.
    public var jitterFraction: Double
    /// Failed attempts since the last success.
    public private(set) var failures = 0

    /// Creates a schedule; the defaults give 100 ms, 200 ms, … up to 5 s.
    public init(baseMillis: Int64 = 100, maxMillis: Int64 = 5_000, jitterFraction: Double = 0.2) {
        self.baseMillis = max(1, baseMillis)
        self.maxMillis = max(self.baseMillis, maxMillis)
        self.jitterFraction = min(1, max(0, jitterFraction))
    }

    /// Records a failed attempt and returns how long to wait before the next one, in milliseconds.
    public mutating func nextDelay(using generator: inout some RandomNumberGenerator) -> Int64 {
        failures += 1
        var ceiling = baseMillis
        // Doubling stops at the cap and never multiplies past half of it, so it cannot overflow.
        for _ in 1..<min(failures, 64) where ceiling < maxMillis {
            ceiling = ceiling > maxMillis / 2 ? maxMillis : ceiling * 2
        }
        // Integer steps of 0.1 %, so no conversion from a large Double can trap.
        let spread = ceiling / 1000 * Int64(jitterFraction * 1000)
        guard spread > 0 else { return ceiling }
        return ceiling - Int64.random(in: 0...spread, using: &generator)
    }

    /// The link is up again: the next loss starts from the first delay.
    public mutating func reset() {
        failures = 0
    }
}

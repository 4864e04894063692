// When to try an acknowledgement again: exponential backoff with full jitter, and when to give up.

/// Decides what follows an attempt. Pure: the caller passes the time and the random source.
///
/// After failed attempt `n` the next one waits a random time between 0 and
/// `min(maxDelay, baseDelay × 2^(n−1))` ("full jitter", which spreads the retries of many rows
/// that failed together). A 429 or 503 with a usable `Retry-After` waits exactly that long
/// instead, up to `maxDelay`. A 410 means the source wants no more acknowledgements: the row is
/// dead at once. After `maxAttempts` attempts it is dead too. Any 2xx is success; every other
/// answer, a redirect included, is a failure.
public struct RetryPolicy: Sendable, Equatable {
    /// How the delay is drawn below its ceiling.
    public enum Jitter: String, Sendable, CaseIterable {
        /// Uniformly between 0 and the ceiling.
        case full
        /// Exactly the ceiling (for tests and for reasoning about a schedule).
        case none
    }

    /// What to do with a row after an attempt.
    public enum Decision: Sendable, Equatable {
        /// The source has the acknowledgement.
        case sent
        /// Try again at this time, in milliseconds since the Unix epoch.
        case retry(atMillis: Int64)
        /// Give up: dead-letter the row.
        case dead
    }

    /// Attempts before a row is dead-lettered, the first included (`ACK_MAX_ATTEMPTS`, 12).
    public var maxAttempts = 12
    /// The delay ceiling after the first failure, in milliseconds (`ACK_RETRY_BASE_MS`, 5 s).
    public var baseDelayMillis: Int64 = 5_000
    /// The largest delay, in milliseconds (`ACK_RETRY_MAX_MS`, 1 h).
    public var maxDelayMillis: Int64 = 3_600_000
    /// How delays are drawn (`ACK_RETRY_JITTER`, full).
    public var jitter = Jitter.full

    /// The defaults listed on each property.
    public init() {}

    /// What follows attempt number `attempt` (1 for the first) that got `response` at `nowMillis`.
    public func decide(
        afterAttempt attempt: Int,
        response: DeliveryResponse,
        nowMillis: Int64,
        using generator: inout some RandomNumberGenerator
    ) -> Decision {
        if case .http(let status, let retryAfter) = response {
            if (200...299).contains(status) {
                return .sent
            }
            if status == 410 {
                return .dead
            }
            guard attempt < maxAttempts else {
                return .dead
            }
            if status == 429 || status == 503,
                let retryAfter,
                let delay = Self.retryAfterMillis(retryAfter, nowMillis: nowMillis)
            {
                return .retry(atMillis: Self.adding(min(delay, maxDelayMillis), to: nowMillis))
            }
        } else if attempt >= maxAttempts {
            return .dead
        }
        return .retry(atMillis: Self.adding(delayMillis(afterAttempt: attempt, using: &generator), to: nowMillis))
    }

    /// The backoff ceiling after failed attempt `attempt`: `min(maxDelay, baseDelay × 2^(attempt−1))`.
    public func ceilingMillis(afterAttempt attempt: Int) -> Int64 {
        let base = max(0, baseDelayMillis)
        let cap = max(0, maxDelayMillis)
        let doublings = max(0, attempt - 1)
        // Past 62 doublings any positive base is beyond every cap; stopping keeps the shift in range.
        guard doublings < 62 else {
            return base == 0 ? 0 : cap
        }
        let (ceiling, overflow) = base.multipliedReportingOverflow(by: Int64(1) << doublings)
        return overflow ? cap : min(ceiling, cap)
    }

    /// A delay drawn under the ceiling of failed attempt `attempt`, as `jitter` says.
    public func delayMillis(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Int64 {
        let ceiling = ceilingMillis(afterAttempt: attempt)
        switch jitter {
        case .full: return Int64.random(in: 0...ceiling, using: &generator)
        case .none: return ceiling
        }
    }

    /// `time + delay` for a non-negative delay, stopping at `Int64.max` instead of trapping.
    private static func adding(_ delay: Int64, to time: Int64) -> Int64 {
        let (sum, overflow) = time.addingReportingOverflow(max(0, delay))
        return overflow ? .max : sum
    }
}

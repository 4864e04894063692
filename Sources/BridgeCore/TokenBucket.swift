// A token bucket: the rate limiter behind client message budgets, with time passed in.

/// Allows `capacity` actions at once and refills at `capacity / window` per second.
/// Time is an argument, so tests drive it by hand.
public struct TokenBucket: Sendable, Equatable {
    /// Most tokens the bucket holds; also the burst size.
    public let capacity: Double
    /// Tokens added per second.
    public let refillPerSecond: Double
    /// Tokens available at `updatedAt`.
    public private(set) var tokens: Double
    /// Monotonic seconds of the last refill.
    public private(set) var updatedAt: Double

    /// A full bucket allowing `capacity` actions per `windowSeconds`.
    public init(capacity: Int, windowSeconds: Double, now: Double) {
        self.capacity = Double(max(capacity, 1))
        refillPerSecond = self.capacity / max(windowSeconds, 0.001)
        tokens = self.capacity
        updatedAt = now
    }

    /// Takes one token if there is one; returns whether the action is allowed.
    public mutating func take(now: Double) -> Bool {
        refill(now: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whether the bucket has refilled completely by `now` (an idle bucket can be forgotten).
    public func isFull(now: Double) -> Bool {
        tokens + max(0, now - updatedAt) * refillPerSecond >= capacity
    }

    private mutating func refill(now: Double) {
        let elapsed = now - updatedAt
        guard elapsed > 0 else { return }
        tokens = min(capacity, tokens + elapsed * refillPerSecond)
        updatedAt = now
    }
}

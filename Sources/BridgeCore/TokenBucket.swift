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

    /// Takes `cost` tokens (at least one) if the bucket holds them; returns whether the action
    /// is allowed.
    ///
    /// A cost above `capacity` could never be paid at once, so a full bucket allows it and goes
    /// into debt by the difference, which the refill pays back before the next action. Over
    /// time the rate is `refillPerSecond / cost` actions per second whatever the cost.
    public mutating func take(now: Double, cost: Double = 1) -> Bool {
        refill(now: now)
        let price = cost.isFinite ? max(cost, 1) : capacity
        guard tokens >= min(price, capacity) else { return false }
        tokens -= price
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

// A fixed-bucket latency histogram in the Prometheus style, as a value with no locking.

/// Counts observations into cumulative buckets (upper bounds in seconds).
public struct Histogram: Sendable, Equatable {
    /// Latency buckets from 100 µs to 10 s: the stages of one webhook span that range.
    public static let latencyBuckets: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    /// Upper bounds, ascending.
    public let bounds: [Double]
    /// Observations per bucket (not cumulative); one extra slot for +Inf.
    public private(set) var counts: [UInt64]
    /// Sum of every observed value.
    public private(set) var sum: Double = 0
    /// Number of observations.
    public private(set) var count: UInt64 = 0

    /// An empty histogram with `bounds` (sorted ascending).
    public init(bounds: [Double] = Histogram.latencyBuckets) {
        self.bounds = bounds.sorted()
        counts = Array(repeating: 0, count: bounds.count + 1)
    }

    /// Records one value; negative values count as zero.
    public mutating func observe(_ value: Double) {
        let clamped = value.isFinite ? max(value, 0) : 0
        var index = bounds.count
        for (position, bound) in bounds.enumerated() where clamped <= bound {
            index = position
            break
        }
        counts[index] &+= 1
        count &+= 1
        sum += clamped
    }

    /// Adds another histogram with the same bounds.
    public mutating func merge(_ other: Histogram) {
        guard other.bounds == bounds else { return }
        for index in counts.indices { counts[index] &+= other.counts[index] }
        count &+= other.count
        sum += other.sum
    }

    /// The smallest bucket bound below which `quantile` of observations fall; nil when empty.
    public func estimate(quantile: Double) -> Double? {
        guard count > 0 else { return nil }
        let target = UInt64((Double(count) * quantile).rounded(.up))
        var seen: UInt64 = 0
        for (index, bucketCount) in counts.enumerated() {
            seen &+= bucketCount
            if seen >= target { return index < bounds.count ? bounds[index] : .infinity }
        }
        return .infinity
    }
}

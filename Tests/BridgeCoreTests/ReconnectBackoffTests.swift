// The reconnection schedule: doubling from the base, capped, jitter only ever shortening a wait,
// and a success starting over.

import BridgeCore
import Testing

/// A deterministic random source (a linear congruential generator) seeded by `value`. A source
/// that returns one word forever would not do: bounded draws reject and redraw some words.
private struct SameDraw: RandomNumberGenerator {
    var value: UInt64
    mutating func next() -> UInt64 {
        value = value &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return value
    }
}

@Suite
struct ReconnectBackoffTests {
    @Test
    func delaysDoubleUpToTheCap() {
        var backoff = ReconnectBackoff(baseMillis: 100, maxMillis: 1_000, jitterFraction: 0)
        var random = SameDraw(value: 0)
        let delays = (0..<7).map { _ in backoff.nextDelay(using: &random) }
        #expect(delays == [100, 200, 400, 800, 1_000, 1_000, 1_000])
        #expect(backoff.failures == 7)
    }

    @Test
    func aSuccessStartsTheScheduleOver() {
        var backoff = ReconnectBackoff(baseMillis: 50, maxMillis: 5_000, jitterFraction: 0)
        var random = SameDraw(value: 0)
        for _ in 0..<4 { _ = backoff.nextDelay(using: &random) }
        backoff.reset()
        #expect(backoff.nextDelay(using: &random) == 50)
    }

    @Test(arguments: [UInt64.min, UInt64.max / 2, UInt64.max])
    func jitterOnlyShortensAWaitAndByNoMoreThanItsShare(_ seed: UInt64) {
        var backoff = ReconnectBackoff(baseMillis: 1_000, maxMillis: 1_000, jitterFraction: 0.2)
        var random = SameDraw(value: seed)
        for _ in 0..<50 {
            let delay = backoff.nextDelay(using: &random)
            #expect((800...1_000).contains(delay), "\(delay)")
        }
    }

    @Test
    func thousandsOfFailuresNeverOverflow() {
        var backoff = ReconnectBackoff(baseMillis: Int64.max / 2 + 1, maxMillis: Int64.max, jitterFraction: 1)
        var random = SameDraw(value: .max)
        var delays: [Int64] = []
        for _ in 0..<5_000 {
            delays.append(backoff.nextDelay(using: &random))
        }
        #expect(delays.allSatisfy { $0 >= 0 })
    }

    @Test
    func nonsensicalSettingsAreClamped() {
        let backoff = ReconnectBackoff(baseMillis: -5, maxMillis: -10, jitterFraction: 7)
        #expect(backoff.baseMillis == 1)
        #expect(backoff.maxMillis == 1)
        #expect(backoff.jitterFraction == 1)
    }
}

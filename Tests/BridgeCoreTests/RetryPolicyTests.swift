// The acknowledgement retry policy: backoff ceilings, jitter, Retry-After, 410 and the attempt budget.

import BridgeCore
import Testing

/// A small linear congruential generator: deterministic and spread over the whole range.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state
    }
}

/// A response and what the policy must make of it after attempt 1.
struct ResponseCase: Sendable, CustomTestStringConvertible {
    var name: String
    var response: DeliveryResponse
    var decision: RetryPolicy.Decision
    var testDescription: String { name }
}

@Suite("Retry policy")
struct RetryPolicyTests {
    static let now: Int64 = 1_800_000_000_000

    static var exact: RetryPolicy {
        var policy = RetryPolicy()
        policy.jitter = .none
        return policy
    }

    @Test("Ceilings double from 5 s and stop at 1 h")
    func ceilingsDoubleUpToTheCap() {
        let policy = RetryPolicy()
        let ceilings = (1...12).map { policy.ceilingMillis(afterAttempt: $0) }
        #expect(ceilings == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600].map { Int64($0) * 1000 })
        #expect(policy.ceilingMillis(afterAttempt: 10_000) == 3_600_000)
        #expect(policy.ceilingMillis(afterAttempt: 0) == 5_000)
    }

    @Test("A huge base is capped instead of overflowing")
    func hugeBaseIsCapped() {
        var policy = RetryPolicy()
        policy.baseDelayMillis = .max / 2
        policy.maxDelayMillis = .max
        #expect(policy.ceilingMillis(afterAttempt: 3) == .max)
    }

    @Test("Full jitter stays between 0 and the ceiling and uses the whole range")
    func fullJitterSpansTheRange() {
        let policy = RetryPolicy()
        var random = SeededRandom(state: 42)
        let delays = (0..<2000).map { _ in policy.delayMillis(afterAttempt: 3, using: &random) }
        #expect(delays.allSatisfy { (0...20_000).contains($0) })
        #expect(delays.min().map { $0 < 1_000 } == true)
        #expect(delays.max().map { $0 > 19_000 } == true)

        var again = SeededRandom(state: 42)
        #expect(
            delays.first == policy.delayMillis(afterAttempt: 3, using: &again),
            "the draw depends only on the generator"
        )
    }

    @Test("Without jitter the delays grow: 5 s, 10 s, 20 s")
    func noJitterGrows() {
        var random = SystemRandomNumberGenerator()
        let failure = DeliveryResponse.http(status: 500, retryAfter: nil)
        let times = (1...3).map { attempt in
            Self.exact.decide(afterAttempt: attempt, response: failure, nowMillis: Self.now, using: &random)
        }
        #expect(times == [5_000, 10_000, 20_000].map { .retry(atMillis: Self.now + $0) })
    }

    @Test(
        "What follows the first attempt",
        arguments: [
            ResponseCase(name: "200", response: .http(status: 200, retryAfter: nil), decision: .sent),
            ResponseCase(name: "204", response: .http(status: 204, retryAfter: nil), decision: .sent),
            ResponseCase(name: "410 is final", response: .http(status: 410, retryAfter: nil), decision: .dead),
            ResponseCase(
                name: "302 is a failure",
                response: .http(status: 302, retryAfter: nil),
                decision: .retry(atMillis: now + 5_000)
            ),
            ResponseCase(
                name: "500",
                response: .http(status: 500, retryAfter: "30"),
                decision: .retry(atMillis: now + 5_000)
            ),
            ResponseCase(
                name: "429 with seconds",
                response: .http(status: 429, retryAfter: "30"),
                decision: .retry(atMillis: now + 30_000)
            ),
            ResponseCase(
                name: "503 with a date",
                response: .http(status: 503, retryAfter: "Fri, 15 Jan 2027 08:00:12 GMT"),
                decision: .retry(atMillis: 1_800_000_012_000)
            ),
            ResponseCase(
                name: "429 with a date in the past",
                response: .http(status: 429, retryAfter: "Sun, 06 Nov 1994 08:49:37 GMT"),
                decision: .retry(atMillis: now)
            ),
            ResponseCase(
                name: "429 with nonsense falls back to backoff",
                response: .http(status: 429, retryAfter: "soon"),
                decision: .retry(atMillis: now + 5_000)
            ),
            ResponseCase(
                name: "429 asking for a day waits the cap",
                response: .http(status: 429, retryAfter: "86400"),
                decision: .retry(atMillis: now + 3_600_000)
            ),
            ResponseCase(
                name: "timeout",
                response: .transportError("Timeout was reached"),
                decision: .retry(atMillis: now + 5_000)
            ),
        ]
    )
    func firstAttempt(_ testCase: ResponseCase) {
        var random = SystemRandomNumberGenerator()
        let decision = Self.exact.decide(
            afterAttempt: 1,
            response: testCase.response,
            nowMillis: Self.now,
            using: &random
        )
        #expect(decision == testCase.decision)
    }

    @Test("The last attempt dead-letters every failure, and a 2xx still succeeds")
    func lastAttemptDeadLetters() {
        var random = SystemRandomNumberGenerator()
        let policy = Self.exact
        let responses: [DeliveryResponse] = [
            .http(status: 500, retryAfter: nil),
            .http(status: 429, retryAfter: "1"),
            .transportError("Couldn't connect to server"),
        ]
        for response in responses {
            #expect(policy.decide(afterAttempt: 12, response: response, nowMillis: Self.now, using: &random) == .dead)
            #expect(policy.decide(afterAttempt: 11, response: response, nowMillis: Self.now, using: &random) != .dead)
        }
        let late = DeliveryResponse.http(status: 200, retryAfter: nil)
        #expect(policy.decide(afterAttempt: 12, response: late, nowMillis: Self.now, using: &random) == .sent)
    }

    @Test(
        "Retry-After values",
        arguments: [
            ("0", Optional<Int64>.some(0)),
            ("120", 120_000),
            (" 7 ", 7_000),
            ("Fri, 15 Jan 2027 08:00:12 GMT", 12_000),
            ("Fri, 15 Jan 2027 07:00:00 GMT", 0),
            ("999999999999999999", Int64.max),
            ("-5", nil),
            ("+5", nil),
            ("1.5", nil),
            ("", nil),
            ("Friday, 15-Jan-27 08:00:12 GMT", nil),
            ("Fri Jan 15 08:00:12 2027", nil),
            ("Fri, 15 Jan 2027 08:00:12 UTC", nil),
            ("Fri, 31 Feb 2027 08:00:12 GMT", nil),
            ("Fri, 15 Jan 2027 24:00:00 GMT", nil),
            (String(repeating: "9", count: 80), nil),
        ]
    )
    func retryAfter(value: String, millis: Int64?) {
        // 1_800_000_000 s is 2027-01-15T08:00:00Z.
        #expect(RetryPolicy.retryAfterMillis(value, nowMillis: Self.now) == millis)
    }
}

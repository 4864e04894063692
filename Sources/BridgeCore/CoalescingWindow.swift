// When fan-out writes wait so that each write carries more frames, and for how long; time is
// passed in.

/// The timing of fan-out write coalescing, as a value: which events wait and until when.
///
/// An event that comes more than a window after the last flush is written at once, so light
/// traffic pays nothing. One that comes sooner waits for the window to end, and everything
/// queued by then goes out in one write per connection. When a base window ends holding
/// `busyEvents` or more events (750 a second at the 4 ms default), writes rather than waiting
/// bound the throughput, and the next window is `busyFactor` times as long. A long window stays
/// long while each holds twice `busyEvents` (375 a second at 16 ms); one that holds fewer, or an
/// event after a quiet spell, brings the base length back. At 200 events/s (one every 5 ms) a
/// 4 ms window holds at most one event now and then and never stretches. In a busy spell an
/// event may wait a whole long window; the fan-out benchmark measures what that buys.
public struct CoalescingWindow: Sendable, Equatable {
    /// Events held in one base window that make the next one long.
    public static let busyEvents = 3
    /// How many times as long as the base a window after a busy one is.
    public static let busyFactor = 4.0

    /// Seconds of the usual window; zero never holds.
    public let base: Double
    /// Seconds of the window now open, `base` or `base * busyFactor`.
    public private(set) var length: Double
    /// Monotonic seconds of the last flush; minus infinity before the first.
    public private(set) var lastFlush = -Double.infinity
    /// Events held since the last flush.
    public private(set) var heldEvents = 0

    /// A window of `base` seconds (zero when negative or not finite), with nothing flushed yet.
    public init(base: Double) {
        self.base = base.isFinite ? max(base, 0) : 0
        length = self.base
    }

    /// Whether writes asked for at `now` wait for the window's end.
    public func holds(now: Double) -> Bool {
        now - lastFlush < length
    }

    /// Seconds from `now` to the window's end.
    public func remaining(now: Double) -> Double {
        max(0, lastFlush + length - now)
    }

    /// Counts an event whose writes were held.
    public mutating func recordHeldEvent() {
        heldEvents += 1
    }

    /// An event came after a quiet spell and was written at once (`now`): the next window
    /// opens, at the base length.
    public mutating func flushedAtOnce(now: Double) {
        length = base
        heldEvents = 0
        lastFlush = now
    }

    /// The window ended and its held writes went out at `now`: the next window opens, long
    /// when this one held enough events for its length.
    public mutating func flushedHeld(now: Double) {
        let busy = length > base ? 2 * Self.busyEvents : Self.busyEvents
        length = heldEvents >= busy ? base * Self.busyFactor : base
        heldEvents = 0
        lastFlush = now
    }
}

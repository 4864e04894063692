// Which fan-out events wait for the coalescing window, and when the window grows and shrinks.

import BridgeCore
import Testing

struct CoalescingWindowTests {
    /// A window of `base` seconds whose last writes went out at once at time 10.
    private static func window(base: Double = 0.004) -> CoalescingWindow {
        var window = CoalescingWindow(base: base)
        window.flushedAtOnce(now: 10)
        return window
    }

    /// Holds `count` events at `now`, then ends the window at `end`.
    private static func hold(_ count: Int, in window: inout CoalescingWindow, now: Double, end: Double) {
        for _ in 0..<count {
            #expect(window.holds(now: now))
            window.heldEvent()
        }
        window.flushedHeld(now: end)
    }

    @Test
    func theFirstEventEverIsWrittenAtOnce() {
        #expect(!CoalescingWindow(base: 0.004).holds(now: 0))
    }

    @Test
    func anEventInsideTheWindowWaitsForWhatIsLeftOfIt() {
        let window = Self.window()
        #expect(window.holds(now: 10.001))
        #expect(abs(window.remaining(now: 10.001) - 0.003) < 1e-9)
        #expect(!window.holds(now: 10.0041))
        #expect(window.remaining(now: 10.009) == 0)
    }

    @Test
    func aZeroWindowNeverHolds() {
        var window = CoalescingWindow(base: 0)
        window.flushedAtOnce(now: 10)
        #expect(!window.holds(now: 10))
        #expect(CoalescingWindow(base: -1).base == 0)
    }

    @Test(arguments: [(1, 0.004), (2, 0.004), (3, 0.016), (40, 0.016)])
    func aWindowThatHeldEnoughEventsMakesTheNextOneLonger(held: Int, nextLength: Double) {
        var window = Self.window()
        Self.hold(held, in: &window, now: 10.001, end: 10.004)
        #expect(abs(window.length - nextLength) < 1e-9)
        #expect(window.holds(now: 10.004 + nextLength - 0.0001))
        #expect(!window.holds(now: 10.004 + nextLength + 0.0001))
    }

    @Test
    func aQuietWindowAfterABusyOneBringsTheBaseLengthBack() {
        var window = Self.window()
        Self.hold(3, in: &window, now: 10.001, end: 10.004)
        Self.hold(1, in: &window, now: 10.006, end: 10.014)
        #expect(abs(window.length - 0.004) < 1e-9)
    }

    @Test
    func anEventAfterAQuietSpellBringsTheBaseLengthBack() {
        var window = Self.window()
        Self.hold(5, in: &window, now: 10.001, end: 10.004)
        #expect(!window.holds(now: 10.020))
        window.flushedAtOnce(now: 10.020)
        #expect(abs(window.length - 0.004) < 1e-9)
        #expect(window.heldEvents == 0)
        #expect(!window.holds(now: 10.0245))
    }
}

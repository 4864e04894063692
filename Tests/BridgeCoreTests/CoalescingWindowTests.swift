// Which fan-out events wait for the coalescing window, and when the window grows and shrinks.

import BridgeCore
import Testing

@Suite struct CoalescingWindowTests {
    /// A window of `base` seconds whose last writes went out at once at time 10.
    private static func window(base: Double = 0.004) -> CoalescingWindow {
        var window = CoalescingWindow(base: base)
        window.flushedAtOnce(now: 10)
        return window
    }

    /// Holds `count` events at `now`, then ends the window when its timer would: at its end.
    private static func hold(_ count: Int, in window: inout CoalescingWindow, now: Double) {
        let end = now + window.remaining(now: now)
        for _ in 0..<count {
            #expect(window.holds(now: now))
            window.recordHeldEvent()
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

    @Test(arguments: [0, -1, Double.infinity, -Double.infinity, Double.nan])
    func aWindowThatIsNotAPositiveNumberNeverHolds(base: Double) {
        var window = CoalescingWindow(base: base)
        #expect(window.base == 0)
        window.flushedAtOnce(now: 10)
        #expect(!window.holds(now: 10))
        window.recordHeldEvent()
        window.recordHeldEvent()
        window.recordHeldEvent()
        window.flushedHeld(now: 10)
        #expect(window.length == 0)
        #expect(!window.holds(now: 10))
    }

    @Test(arguments: [(1, 0.004), (2, 0.004), (3, 0.016), (40, 0.016)])
    func aWindowThatHeldEnoughEventsMakesTheNextOneLonger(held: Int, nextLength: Double) {
        var window = Self.window()
        Self.hold(held, in: &window, now: 10.001)
        #expect(abs(window.length - nextLength) < 1e-9)
        #expect(window.heldEvents == 0)
        #expect(window.holds(now: 10.004 + nextLength - 0.0001))
        #expect(!window.holds(now: 10.004 + nextLength + 0.0001))
    }

    @Test(arguments: [(5, 0.004), (6, 0.016), (11, 0.016)])
    func aLongWindowStaysLongOnlyWhileItHoldsTwiceAsMany(held: Int, nextLength: Double) {
        var window = Self.window()
        Self.hold(3, in: &window, now: 10.001)
        Self.hold(held, in: &window, now: 10.005)
        #expect(abs(window.length - nextLength) < 1e-9)
    }

    @Test
    func steadyTrafficAfterABusySpellGetsTheBaseWindowBack() {
        // A burst stretches the window; then 200 events a second (one every 5 ms) follow, and a
        // held window's timer flushes it at its end, as the server's does.
        var window = Self.window()
        Self.hold(3, in: &window, now: 10.001)
        var timerDue: Double?
        var waits: [Double] = []
        for index in 0..<20 {
            let now = 10.0055 + Double(index) * 0.005
            if let due = timerDue, due <= now {
                window.flushedHeld(now: due)
                timerDue = nil
            }
            guard window.holds(now: now) else {
                waits.append(0)
                window.flushedAtOnce(now: now)
                continue
            }
            let due = timerDue ?? now + window.remaining(now: now)
            timerDue = due
            waits.append(due - now)
            window.recordHeldEvent()
        }
        #expect(abs(window.length - 0.004) < 1e-9)
        #expect(waits.suffix(10).allSatisfy { $0 == 0 }, "\(waits)")
    }

    @Test
    func anEventAfterAQuietSpellBringsTheBaseLengthBack() {
        var window = Self.window()
        Self.hold(5, in: &window, now: 10.001)
        #expect(!window.holds(now: 10.030))
        window.flushedAtOnce(now: 10.030)
        #expect(abs(window.length - 0.004) < 1e-9)
        #expect(window.heldEvents == 0)
        #expect(!window.holds(now: 10.0345))
    }
}

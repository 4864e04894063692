// Fan-out writes held back for a moment under load, so that each write carries more frames.

import BridgeCore
import CLibWebSockets

/// The connections whose fan-out frames wait for a writeable request, and the lws timer that
/// makes the requests. Loop-confined.
///
/// A write is a system call whatever it carries, and under fan-out those calls are most of
/// the server's time. When events come faster than one per window, the writeable requests of
/// the later ones wait until the window after the previous flush ends; every connection then
/// writes everything queued for it in one call. An event after a quiet spell is flushed at
/// once, so light traffic pays no latency for this. `CoalescingWindow` decides which events
/// wait and how long a window is.
final class FanOutFlush {
    /// lws's timer entry first, so that the pointer lws hands the callback leads to `owner`.
    private struct Timer {
        var entry = lws_sorted_usec_list_t()
        var owner: UnsafeMutableRawPointer?
    }

    private var window: CoalescingWindow
    private var held: [Int] = []
    private let timer: UnsafeMutablePointer<Timer>
    private var scheduled = false

    /// A flush with no timer yet.
    ///
    /// - Parameter window: seconds of the usual window; zero never holds.
    init(window: Double) {
        precondition(MemoryLayout<Timer>.offset(of: \Timer.entry) == 0)
        self.window = CoalescingWindow(base: window)
        timer = .allocate(capacity: 1)
        timer.initialize(to: Timer())
    }

    deinit {
        // `cancel()` ran before the context went; lws may no longer exist to ask.
        timer.deinitialize(count: 1)
        timer.deallocate()
    }

    /// Whether writeable requests made at `now` should wait for the timer: inside the window,
    /// or after its end while the timer is still due (a long loop turn runs late timers late),
    /// so that such an event joins the pending flush and counts towards it.
    func shouldHold(now: Double) -> Bool {
        scheduled || window.holds(now: now)
    }

    /// Counts an event whose writes were held (the count that makes a window long).
    func recordHeldEvent() {
        window.recordHeldEvent()
    }

    /// Notes writeable requests made at `now` without holding: the next window starts, at the
    /// base length.
    func flushedAtOnce(now: Double) {
        window.flushedAtOnce(now: now)
    }

    /// Holds `connectionID`'s writeable request until the window ends. `owner` is the
    /// unretained `Server` the timer calls back, valid while `context` serves.
    func hold(_ connectionID: Int, now: Double, context: OpaquePointer, owner: UnsafeMutableRawPointer) {
        held.append(connectionID)
        guard !scheduled else { return }
        scheduled = true
        timer.pointee.owner = owner
        let delay = window.remaining(now: now)
        lws_sul_schedule(context, 0, &timer.pointee.entry, Self.fire, lws_usec_t(delay * 1_000_000))
    }

    /// The connections held since the last flush, oldest first; the next window starts at `now`,
    /// long or not by how many events this one held.
    func take(now: Double) -> [Int] {
        scheduled = false
        window.flushedHeld(now: now)
        defer { held.removeAll(keepingCapacity: true) }
        return held
    }

    /// Takes the timer off lws's list; call before the context is destroyed.
    func cancel() {
        lws_sul_cancel(&timer.pointee.entry)
        scheduled = false
        held.removeAll()
    }

    private static let fire: sul_cb_t = { entry in
        guard let entry else { return }
        let timer = UnsafeMutableRawPointer(entry).assumingMemoryBound(to: Timer.self)
        guard let owner = timer.pointee.owner else { return }
        Unmanaged<Server>.fromOpaque(owner).takeUnretainedValue().flushHeldWrites()
    }
}

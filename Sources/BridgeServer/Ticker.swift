// A thread that wakes the event loop at a fixed pace for timer work.

import Foundation
import Synchronization

/// Calls a closure every interval on its own thread until stopped.
final class Ticker: Sendable {
    private let running = Atomic<Bool>(false)

    /// Starts ticking; `tick` runs on the ticker's thread and must be cheap and thread-safe.
    func start(every interval: TimeInterval, _ tick: @escaping @Sendable () -> Void) {
        running.store(true, ordering: .relaxed)
        let thread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: interval)
                tick()
            }
        }
        thread.name = "bridge-ticker"
        thread.start()
    }

    /// Stops after the current interval.
    func stop() {
        running.store(false, ordering: .relaxed)
    }
}

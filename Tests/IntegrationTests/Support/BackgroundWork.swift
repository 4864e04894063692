// A closure run on its own thread while the test thread does something else, joined with a bound.

import Foundation

/// Runs `body` on a new thread at once; `result(within:)` waits for it, never without a bound.
/// Everything the body touches must be `Sendable`: give it ports and values, not clients.
final class BackgroundWork<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private let finished = DispatchSemaphore(value: 0)
    private var outcome: Result<Value, any Error>?

    /// Starts `body` on a thread named `name`.
    init(_ name: String, _ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            let result = Result { try body() }
            lock.withLock { outcome = result }
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// The body's return value, or its error; throws `timedOut` when it has not finished in `bound`.
    func result(within bound: Duration) throws -> Value {
        let milliseconds = bound.components.seconds * 1000 + bound.components.attoseconds / 1_000_000_000_000_000
        guard finished.wait(timeout: .now() + .milliseconds(Int(clamping: milliseconds))) == .success else {
            throw TestClientError.timedOut("background work to finish")
        }
        // Signal again so that a second call returns at once as well.
        finished.signal()
        guard let outcome = lock.withLock({ outcome }) else {
            throw TestClientError.setup("background work finished without a result")
        }
        return try outcome.get()
    }
}

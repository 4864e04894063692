// Carries recipient counts from the event loop to the delivery worker without blocking the loop.

import Synchronization

/// The `DeliveryObserver` of the server: the loop drops each count here and returns, and the
/// delivery worker takes them in batches. Counts of sources without acknowledgements are not
/// kept. The queue is bounded; a count that does not fit is dropped, and its row is sent after
/// the grace period with the count unknown (reported as 0).
public final class DeliveryReportQueue: DeliveryObserver {
    /// Most counts waiting at once.
    public static let defaultCapacity = 65_536

    private struct State {
        var reports: [DeliveryReport] = []
        var dropped = 0
        var wake: (@Sendable () -> Void)?
    }

    private let sources: Set<String>
    private let capacity: Int
    private let now: @Sendable () -> Int64
    private let state = Mutex(State())

    /// A queue for the counts of `sources`.
    ///
    /// - Parameter now: milliseconds since the Unix epoch, stamped on each count.
    public init(
        sources: Set<String>,
        capacity: Int = DeliveryReportQueue.defaultCapacity,
        now: @escaping @Sendable () -> Int64
    ) {
        self.sources = sources
        self.capacity = max(1, capacity)
        self.now = now
    }

    /// Called on the loop for every pushed event; returns at once.
    public func pushed(eventID: String, sourceID: String, recipients: Int) {
        guard sources.contains(sourceID) else {
            return
        }
        let report = DeliveryReport(eventID: eventID, recipients: Int64(recipients), pushedAtMillis: now())
        let wake = state.withLock { state -> (@Sendable () -> Void)? in
            guard state.reports.count < capacity else {
                state.dropped += 1
                return nil
            }
            state.reports.append(report)
            return state.reports.count == 1 ? state.wake : nil
        }
        wake?()
    }

    /// Sets what `pushed` calls when the queue stops being empty (the worker's wake-up).
    public func onReport(_ wake: (@Sendable () -> Void)?) {
        state.withLock { $0.wake = wake }
    }

    /// Takes every waiting count, oldest first, and how many were dropped since the last call.
    public func drain() -> (reports: [DeliveryReport], dropped: Int) {
        state.withLock { state in
            defer {
                state.reports = []
                state.dropped = 0
            }
            return (state.reports, state.dropped)
        }
    }
}

// Webhook outcome totals, written by the ingest thread and read by `/api/stats`.

import Synchronization

/// Thread-safe totals of what became of webhooks.
final class IngestCounters: Sendable {
    /// A snapshot of the totals.
    struct Totals: Sendable {
        var received = 0
        var accepted = 0
        var duplicate = 0
        var stale = 0
        var conflict = 0
        var storeUnavailable = 0
        /// Whether the last batch reached the store.
        var storeAvailable = true
        /// Rejections by their error code (`bad_signature`, `invalid_payload`, …).
        var rejected: [String: Int] = [:]
    }

    private let totals = Mutex(Totals())

    /// Applies `change` under the lock.
    func update(_ change: (inout Totals) -> Void) {
        totals.withLock { change(&$0) }
    }

    /// The current totals.
    var snapshot: Totals { totals.withLock { $0 } }
}

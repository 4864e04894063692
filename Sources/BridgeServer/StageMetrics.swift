// Latency histograms for each stage a webhook passes through, and the lock that shares them.

import BridgeCore
import Synchronization

/// The stages measured, named as they appear in the `stage` label of
/// `bridge_webhook_stage_duration_seconds`.
enum Stage: String, CaseIterable, Sendable {
    /// Body complete → signature and schema checked (ingest thread).
    case verified
    /// Checked → its batch committed (ingest thread).
    case committed
    /// Committed → frames queued for every recipient (loop thread).
    case pushed
    /// Frame queued → acknowledgement delivered upstream.
    case acknowledged
}

/// Stage and end-to-end histograms. Each thread records into this one shared, locked copy;
/// an observation is a few additions, so the lock is held only for nanoseconds.
final class StageMetrics: Sendable {
    private struct State {
        var stages: [Stage: Histogram] = Dictionary(uniqueKeysWithValues: Stage.allCases.map { ($0, Histogram()) })
        var endToEnd = Histogram()
    }

    private let state = Mutex(State())

    /// Records `seconds` spent in `stage`.
    func observe(_ stage: Stage, _ seconds: Double) {
        state.withLock { $0.stages[stage]?.observe(seconds) }
    }

    /// Records `seconds` from webhook received to one frame written to a socket.
    func observeEndToEnd(_ seconds: Double) {
        state.withLock { $0.endToEnd.observe(seconds) }
    }

    /// Copies of every histogram.
    func snapshot() -> (stages: [(Stage, Histogram)], endToEnd: Histogram) {
        state.withLock { state in
            (Stage.allCases.compactMap { stage in state.stages[stage].map { (stage, $0) } }, state.endToEnd)
        }
    }
}

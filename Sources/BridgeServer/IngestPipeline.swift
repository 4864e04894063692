// Verifies, validates and stores webhooks off the event loop, committing them in groups.

import BridgeCore
import Foundation

/// Runs on its own thread: takes every queued webhook, checks signatures and bodies, stores
/// the good ones in one transaction (group commit), then hands answers and frames to the loop.
final class IngestPipeline: @unchecked Sendable {
    /// Most webhooks committed in one transaction.
    static let maxBatch = 512

    private let store: any EventStore
    private let verifiers: [String: StandardWebhookVerifier]
    private let inbox: LoopInbox
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let makeEventID: @Sendable () -> String
    private let counters: IngestCounters
    private let metrics: StageMetrics
    private let auditor: (any SecurityAuditing)?
    private let broker: (any EventBroker)?

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [WebhookJob] = []
    private var stopping = false
    private var finished = false

    init(
        store: any EventStore,
        verifiers: [String: StandardWebhookVerifier],
        inbox: LoopInbox,
        logger: Logger,
        now: @escaping @Sendable () -> Int64,
        makeEventID: @escaping @Sendable () -> String,
        counters: IngestCounters,
        metrics: StageMetrics,
        auditor: (any SecurityAuditing)?,
        broker: (any EventBroker)?
    ) {
        self.broker = broker
        self.auditor = auditor
        self.metrics = metrics
        self.counters = counters
        self.store = store
        self.verifiers = verifiers
        self.inbox = inbox
        self.logger = logger
        self.now = now
        self.makeEventID = makeEventID
    }

    /// Starts the worker thread.
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "bridge-ingest"
        // Deep JSON is refused before decoding, but keep generous room for the decoder anyway.
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Queues one webhook.
    func submit(_ job: WebhookJob) {
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Finishes every queued webhook, then stops the thread; waits at most `timeout` seconds.
    func stop(timeout: TimeInterval) {
        condition.lock()
        stopping = true
        condition.broadcast()
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !finished, condition.wait(until: deadline) {}
        condition.unlock()
    }

    private func run() {
        while let batch = nextBatch() {
            process(batch)
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    private func nextBatch() -> [WebhookJob]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty {
            if stopping { return nil }
            condition.wait()
        }
        let count = min(queue.count, Self.maxBatch)
        let batch = Array(queue.prefix(count))
        queue.removeFirst(count)
        return batch
    }

    private func process(_ batch: [WebhookJob]) {
        var replies: [DeferredReply] = []
        var accepted: [(job: WebhookJob, event: IncomingEvent, verifiedAt: Double)] = []
        let seconds = now() / 1000
        for job in batch {
            switch check(job, nowSeconds: seconds) {
            case .event(let event):
                let verifiedAt = Clock.monotonic()
                metrics.observe(.verified, verifiedAt - job.receivedAt)
                accepted.append((job, event, verifiedAt))
            case .rejected(let response, let code):
                counters.update { $0.rejected[code, default: 0] += 1 }
                replies.append(DeferredReply(exchange: job.exchange, response: response))
            }
        }
        var broadcasts: [Broadcast] = []
        if !accepted.isEmpty {
            do {
                let outcomes = try store.append(accepted.map(\.event))
                let committedAt = Clock.monotonic()
                for entry in accepted { metrics.observe(.committed, committedAt - entry.verifiedAt) }
                counters.update { totals in
                    totals.storeAvailable = true
                    for outcome in outcomes {
                        switch outcome {
                        case .accepted: totals.accepted += 1
                        case .duplicate: totals.duplicate += 1
                        case .stale: totals.stale += 1
                        case .conflict: totals.conflict += 1
                        }
                    }
                }
                for (entry, outcome) in zip(accepted, outcomes) {
                    let response = answer(for: outcome, job: entry.job)
                    replies.append(DeferredReply(exchange: entry.job.exchange, response: response))
                    if case .accepted(let stored) = outcome {
                        broadcasts.append(Broadcast(stored, receivedAt: entry.job.receivedAt, committedAt: committedAt))
                    }
                }
            } catch {
                logger.warning(
                    "webhook batch not stored",
                    (Logger.Key.error, String(describing: error)),
                    (Logger.Key.count, String(accepted.count))
                )
                counters.update {
                    $0.storeUnavailable += accepted.count
                    $0.storeAvailable = false
                }
                for entry in accepted {
                    let response = HTTPResponse.unavailable("the event store is unavailable; retry later")
                    replies.append(DeferredReply(exchange: entry.job.exchange, response: response))
                }
            }
        }
        inbox.post(.ingested(replies: replies, broadcasts: broadcasts))
        if let broker {
            for broadcast in broadcasts { broker.publish(broadcast.stored) }
        }
    }

    /// What the checks made of one webhook.
    private enum Verdict {
        case event(IncomingEvent)
        case rejected(HTTPResponse, code: String)
    }

    private func check(_ job: WebhookJob, nowSeconds: Int64) -> Verdict {
        guard let verifier = verifiers[job.sourceID] else {
            let response = HTTPResponse.error(404, code: "unknown_source", message: "no webhook source with that id")
            return .rejected(response, code: "unknown_source")
        }
        do {
            try verifier.verify(
                id: job.webhookID,
                timestamp: job.timestamp,
                signature: job.signature,
                body: job.body,
                now: nowSeconds
            )
        } catch {
            logger.debug(
                "webhook signature rejected",
                (Logger.Key.webhookSource, job.sourceID),
                (Logger.Key.reason, error.code.rawValue),
                (Logger.Key.requestID, job.requestID)
            )
            auditor?.record(
                SecurityEvent(
                    name: "WEBHOOK_SIGNATURE_FAILED",
                    outcome: "denied",
                    metadata: ["source": job.sourceID, "reason": error.code.rawValue],
                    clientIP: job.clientIP,
                    userAgent: job.userAgent,
                    requestID: job.requestID,
                    aggregationKey: job.clientIP
                )
            )
            let response = HTTPResponse.error(401, code: error.code.rawValue, message: error.message)
            return .rejected(response, code: error.code.rawValue)
        }
        do {
            let event = try PayloadValidator.validate(job.body)
            return .event(
                IncomingEvent(
                    eventID: makeEventID(),
                    sourceID: job.sourceID,
                    webhookID: job.webhookID ?? "",
                    receivedAtMillis: job.receivedAtMillis,
                    event: event
                )
            )
        } catch {
            let response = HTTPResponse.error(400, code: "invalid_payload", message: error.message, field: error.field)
            return .rejected(response, code: "invalid_payload")
        }
    }

    private func answer(for outcome: AppendOutcome, job: WebhookJob) -> HTTPResponse {
        switch outcome {
        case .accepted(let stored):
            return receipt(status: 202, eventID: stored.eventID, seq: stored.seq, duplicate: false)
        case .duplicate(let eventID, let seq):
            return receipt(status: 200, eventID: eventID, seq: seq, duplicate: true)
        case .stale(let eventID):
            return receipt(status: 202, eventID: eventID, seq: nil, duplicate: false, flag: "stale")
        case .conflict(let eventID):
            logger.warning(
                "webhook version conflict",
                (Logger.Key.webhookSource, job.sourceID),
                (Logger.Key.eventID, eventID),
                (Logger.Key.requestID, job.requestID)
            )
            return receipt(status: 202, eventID: eventID, seq: nil, duplicate: false, flag: "conflict")
        }
    }

    private func receipt(
        status: Int,
        eventID: String,
        seq: Int64?,
        duplicate: Bool,
        flag: String? = nil
    ) -> HTTPResponse {
        let body = JSONText.object { json in
            json.field("eventId", eventID)
            json.field("seq", seq)
            json.field("duplicate", duplicate)
            if let flag { json.field(flag, true) }
        }
        return HTTPResponse(status: status, body: body)
    }
}

// The security audit trail: one escaped `[SECURITY_AUDIT]` line per record, and a hash-chained row.

import BridgeCore
import Dispatch
import Synchronization

/// Writes security events to the audit trail without ever holding up the caller.
///
/// `record` only takes the time and queues the event; one serial queue aggregates it
/// (`AuditAggregator`), writes each resulting record as one line `[SECURITY_AUDIT] {…}` to the
/// sink (the record's canonical JSON, printable ASCII only, so no value can break the line),
/// then appends it to the hash-chained `audit_log`. A timer on the same queue closes finished
/// aggregation windows every second, so a minute's summary is written soon after the minute.
///
/// Bounds: at most `maxPending` events wait in the queue; beyond that events are counted and
/// reported by one `AUDIT_EVENTS_DROPPED` record. When the store fails, records (already on
/// the sink) wait in a backlog of at most `maxBacklog` and are retried each second.
public final class SecurityAuditor: SecurityAuditing, @unchecked Sendable {
    /// The stable prefix of every audit line.
    public static let linePrefix = "[SECURITY_AUDIT] "
    /// Most events waiting to be written.
    public static let maxPending = 10_000
    /// Most records kept for a retry while the store fails.
    public static let maxBacklog = 1_000

    private let store: (any AuditStore)?
    private let chain: AuditChain
    private let logger: Logger
    private let sink: @Sendable (String) -> Void
    private let clock: @Sendable () -> Int64
    private let queue = DispatchQueue(label: "bridge.security-audit")
    private let timer: any DispatchSourceTimer
    private let pending = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)

    // Confined to `queue`.
    private var aggregator = AuditAggregator()
    private var backlog: [AuditRecord] = []
    private var storeFailing = false

    /// An auditor appending to `store` (none: lines only), hashing with `crypto`, writing lines
    /// to `sink`; `clock` gives Unix milliseconds, `logger` hears about store failures.
    public init(
        store: (any AuditStore)?,
        crypto: any CryptoProvider,
        logger: Logger,
        clock: @escaping @Sendable () -> Int64,
        sink: @escaping @Sendable (String) -> Void
    ) {
        self.store = store
        self.chain = AuditChain(crypto: crypto)
        self.logger = logger
        self.clock = clock
        self.sink = sink
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + 1, repeating: 1, leeway: .milliseconds(100))
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
    }

    deinit {
        timer.cancel()
    }

    /// Queues `event`; returns at once, from any thread.
    public func record(_ event: SecurityEvent) {
        let at = clock()
        guard pending.wrappingAdd(1, ordering: .relaxed).newValue <= Self.maxPending else {
            pending.wrappingSubtract(1, ordering: .relaxed)
            dropped.wrappingAdd(1, ordering: .relaxed)
            return
        }
        queue.async { [self] in
            pending.wrappingSubtract(1, ordering: .relaxed)
            write(aggregator.admit(event, atMillis: at))
        }
    }

    /// Writes everything queued so far, the summaries of unfinished windows included; returns
    /// when done. Call it before the store closes.
    public func flush() {
        queue.sync {
            write(aggregator.drain(atMillis: clock()))
        }
    }

    /// Stops the timer and flushes.
    public func close() {
        timer.cancel()
        flush()
    }

    /// Closes finished windows and retries the backlog.
    private func tick() {
        write(aggregator.expire(atMillis: clock()))
    }

    /// Writes `records` (plus a drop report when events were dropped) to the sink, then the
    /// store, the backlog first.
    private func write(_ records: [AuditRecord]) {
        var records = records
        let droppedCount = dropped.exchange(0, ordering: .relaxed)
        if droppedCount > 0 {
            let event = SecurityEvent(
                name: "AUDIT_EVENTS_DROPPED",
                outcome: "failed",
                metadata: ["reason": "queue_full"],
                clientIP: "local"
            )
            records.append(AuditRecord(event: event, atMillis: clock(), count: droppedCount))
        }
        for record in records {
            sink(Self.linePrefix + record.canonicalJSON)
        }
        append(records)
    }

    private func append(_ records: [AuditRecord]) {
        guard let store else { return }
        let batch = backlog + records
        guard !batch.isEmpty else { return }
        do {
            _ = try store.appendAudit(batch, chain: chain)
            backlog = []
            if storeFailing {
                storeFailing = false
                logger.info("audit records stored again", (Logger.Key.count, String(batch.count)))
            }
        } catch {
            backlog = Array(batch.suffix(Self.maxBacklog))
            if !storeFailing {
                storeFailing = true
                logger.error(
                    "audit records not stored",
                    (Logger.Key.error, String(describing: error)),
                    (Logger.Key.count, String(batch.count))
                )
            }
        }
    }
}

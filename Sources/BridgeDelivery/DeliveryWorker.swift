// Sends acknowledgements from the outbox on a thread of its own, many at a time, with retries.

import BridgeCore
import CCurl
import Foundation
import Synchronization

/// Takes due rows from the outbox, POSTs their signed `delivery.ack` to each source's URL over
/// one libcurl multi handle, and writes back what happened, as `RetryPolicy` decides.
///
/// One thread does everything: it stores recipient counts from the loop, claims due rows
/// (leased, so other instances leave them alone), drives the transfers, and records results.
/// The claim quota per source keeps one slow source from taking every slot, and the multi
/// handle gives each transfer its own time limit, so a hanging receiver delays nobody else.
public final class DeliveryWorker: @unchecked Sendable {
    private let store: any DeliveryStore
    private let configuration: DeliveryConfiguration
    private let signers: [String: StandardWebhookVerifier]
    private let crypto: any CryptoProvider
    private let reports: DeliveryReportQueue
    private let logger: Logger
    private let now: @Sendable () -> Int64

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var stopping = false
    private var finished = false
    private var multi: CurlMulti?

    // Worker-thread state.
    private var inFlight: [UnsafeMutableRawPointer: Attempt] = [:]
    private var generator = SystemRandomNumberGenerator()

    /// A transfer on its way, with the row it sends and the claim that holds the row.
    private struct Attempt {
        var transfer: CurlTransfer
        var delivery: Delivery
        var token: String
    }

    /// Prepares a worker for the sources of `configuration` (none sends nothing).
    ///
    /// - Parameters:
    ///   - sources: the configured webhook sources; each acknowledged one signs with its first secret.
    ///   - reports: the queue the server's loop fills with recipient counts.
    ///   - now: milliseconds since the Unix epoch.
    /// - Throws: `ConfigurationError` naming the variable when an acknowledged source has no
    ///   usable secret.
    public init(
        store: any DeliveryStore,
        configuration: DeliveryConfiguration,
        sources: [String: SourceConfiguration],
        crypto: any CryptoProvider,
        reports: DeliveryReportQueue,
        logger: Logger,
        now: @escaping @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
    ) throws(ConfigurationError) {
        var signers: [String: StandardWebhookVerifier] = [:]
        for id in configuration.ackURLs.keys {
            guard let source = sources[id] else {
                throw ConfigurationError(DeliveryConfiguration.ackURLVariable(for: id), "names no configured source")
            }
            let variable = SourceConfiguration.secretVariable(for: id)
            do {
                let secrets = try source.secrets.map { text throws(WebhookSecretError) in
                    try WebhookSecret(text, crypto: crypto)
                }
                signers[id] = try StandardWebhookVerifier(secrets: secrets, crypto: crypto)
            } catch {
                throw ConfigurationError(variable, error.message)
            }
        }
        self.store = store
        self.configuration = configuration
        self.signers = signers
        self.crypto = crypto
        self.reports = reports
        self.logger = logger
        self.now = now
    }

    /// Starts the worker thread; does nothing when no source is acknowledged or it already runs.
    public func start() {
        guard configuration.isEnabled else {
            return
        }
        guard let multi = CurlMulti() else {
            logger.error("delivery worker cannot start: libcurl failed to initialise")
            return
        }
        condition.lock()
        guard self.multi == nil, !stopping else {
            condition.unlock()
            multi.close()
            return
        }
        self.multi = multi
        condition.unlock()
        reports.onReport { multi.wake() }
        let thread = Thread { [self] in run(multi) }
        thread.name = "bridge-deliveries"
        thread.start()
        logger.info("delivery worker started", (Logger.Key.count, String(configuration.ackURLs.count)))
    }

    /// Stops claiming, abandons the transfers in flight (their rows are released, so they are
    /// due again at once, here or elsewhere) and waits at most `timeout` seconds for the thread.
    /// Call it before closing the store.
    public func stop(timeout: TimeInterval) {
        condition.lock()
        stopping = true
        let multi = self.multi
        condition.unlock()
        guard let multi else {
            return
        }
        reports.onReport(nil)
        multi.wake()
        condition.lock()
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !finished, condition.wait(until: deadline) {}
        condition.unlock()
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private func run(_ multi: CurlMulti) {
        var nextClaimAt: Int64 = 0
        while !isStopping {
            if storeReports() {
                nextClaimAt = 0
            }
            let time = now()
            if time >= nextClaimAt, inFlight.count < configuration.maxInFlight {
                nextClaimAt = claimAndStart(on: multi, at: time)
            }
            multi.perform()
            let done = multi.finished()
            for (handle, code) in done {
                finish(handle, code, on: multi)
            }
            if !done.isEmpty {
                // Freed slots may let waiting rows go now rather than at the next poll.
                nextClaimAt = min(nextClaimAt, now())
            }
            // With every slot busy only a finished transfer (which wakes the poll) frees one.
            let poll = Int64(configuration.pollIntervalMillis)
            let canClaim = inFlight.count < configuration.maxInFlight
            let wait = canClaim ? min(max(0, nextClaimAt - now()), poll) : poll
            multi.poll(timeoutMillis: Int(wait))
        }
        abandonInFlight(on: multi)
        condition.lock()
        finished = true
        self.multi = nil
        condition.broadcast()
        condition.unlock()
        multi.close()
    }

    /// Stores the counts the loop reported; true when there were any (their rows became due).
    private func storeReports() -> Bool {
        let (counts, dropped) = reports.drain()
        if dropped > 0 {
            logger.warning(
                "delivery recipient counts dropped; their acknowledgements wait for the grace period",
                (Logger.Key.count, String(dropped))
            )
        }
        guard !counts.isEmpty else {
            return false
        }
        do {
            try store.recordRecipients(counts)
        } catch {
            logger.warning(
                "delivery recipient counts not stored",
                (Logger.Key.error, String(describing: error)),
                (Logger.Key.count, String(counts.count))
            )
        }
        return true
    }

    /// Claims what the free slots allow and starts a transfer for each row; returns when to
    /// look again.
    private func claimAndStart(on multi: CurlMulti, at time: Int64) -> Int64 {
        var busy: [String: Int] = [:]
        for attempt in inFlight.values {
            busy[attempt.delivery.sourceID, default: 0] += 1
        }
        let quotas = Dictionary(
            uniqueKeysWithValues: configuration.ackURLs.keys.map { id in
                (id, configuration.maxInFlightPerSource - busy[id, default: 0])
            }
        )
        let limit = configuration.maxInFlight - inFlight.count
        let request = DeliveryClaimRequest(
            token: makeToken(),
            nowMillis: time,
            leaseMillis: configuration.leaseMillis,
            unreportedBeforeMillis: time - configuration.reportGraceMillis,
            quotas: quotas,
            limit: limit
        )
        let claimed: [Delivery]
        do {
            claimed = try store.claimDeliveries(request)
        } catch {
            logger.warning("delivery outbox unavailable", (Logger.Key.error, String(describing: error)))
            return time + Self.storeRetryMillis
        }
        var unsent: [String] = []
        for delivery in claimed where !start(delivery, token: request.token, on: multi, at: time) {
            unsent.append(delivery.id)
        }
        release(unsent, token: request.token)
        // A full batch suggests more rows are due: look again at once, unless some could not
        // start, which looking again would only repeat.
        let full = claimed.count == limit && limit > 0
        return full && unsent.isEmpty ? time : time + Int64(configuration.pollIntervalMillis)
    }

    /// Signs and starts one attempt; false when it could not start.
    private func start(_ delivery: Delivery, token: String, on multi: CurlMulti, at time: Int64) -> Bool {
        guard let url = configuration.ackURLs[delivery.sourceID], let signer = signers[delivery.sourceID] else {
            return false
        }
        let body = DeliveryAck.body(for: delivery)
        let headers = DeliveryAck.headers(for: delivery, body: body, nowSeconds: time / 1000, signer: signer)
        let limits = CurlTransfer.Limits(
            connectTimeoutSeconds: configuration.connectTimeoutSeconds,
            timeoutSeconds: configuration.timeoutSeconds
        )
        guard let transfer = CurlTransfer(url: url, headers: headers, body: body, limits: limits), multi.add(transfer)
        else {
            logger.error(
                "delivery acknowledgement could not be prepared; check the source's WEBHOOK_ACK_URL",
                (Logger.Key.webhookSource, delivery.sourceID),
                (Logger.Key.deliveryID, delivery.id)
            )
            return false
        }
        inFlight[transfer.handle] = Attempt(transfer: transfer, delivery: delivery, token: token)
        return true
    }

    /// Judges a finished transfer and writes the result back.
    private func finish(_ handle: UnsafeMutableRawPointer, _ code: CURLcode, on multi: CurlMulti) {
        guard let attempt = inFlight.removeValue(forKey: handle) else {
            return
        }
        multi.remove(attempt.transfer)
        let response = attempt.transfer.response(for: code)
        let delivery = attempt.delivery
        let number = delivery.attempts + 1
        let time = now()
        let decision = configuration.retry.decide(
            afterAttempt: number,
            response: response,
            nowMillis: time,
            using: &generator
        )
        let record = DeliveryAttemptRecord(
            id: delivery.id,
            token: attempt.token,
            attempts: number,
            status: decision.status,
            nextAttemptAtMillis: decision.nextAttemptAtMillis ?? time,
            httpStatus: response.httpStatus,
            error: response.failureReason,
            nowMillis: time
        )
        log(decision, delivery: delivery, attempt: number, response: response)
        do {
            if try !store.finishAttempt(record) {
                logger.debug("delivery lease lost before its result was stored", (Logger.Key.deliveryID, delivery.id))
            }
        } catch {
            logger.warning(
                "delivery result not stored; the attempt will be repeated",
                (Logger.Key.deliveryID, delivery.id),
                (Logger.Key.error, String(describing: error))
            )
        }
    }

    private func log(_ decision: RetryPolicy.Decision, delivery: Delivery, attempt: Int, response: DeliveryResponse) {
        let tagged =
            logger
            .with(Logger.Key.webhookSource, delivery.sourceID)
            .with(Logger.Key.deliveryID, delivery.id)
            .with(Logger.Key.deliveryAttempt, String(attempt))
            .with(Logger.Key.httpStatus, response.httpStatus.map { String($0) } ?? "none")
            .with(Logger.Key.reason, response.failureReason ?? "ok")
        switch decision {
        case .sent: tagged.debug("delivery acknowledgement sent")
        case .retry: tagged.debug("delivery acknowledgement failed; retrying later")
        case .dead: tagged.warning("delivery acknowledgement dead-lettered")
        }
    }

    /// Stops every transfer in flight and releases its row.
    private func abandonInFlight(on multi: CurlMulti) {
        var byToken: [String: [String]] = [:]
        for attempt in inFlight.values {
            multi.remove(attempt.transfer)
            byToken[attempt.token, default: []].append(attempt.delivery.id)
        }
        inFlight = [:]
        for (token, ids) in byToken {
            release(ids, token: token)
        }
    }

    private func release(_ ids: [String], token: String) {
        guard !ids.isEmpty else {
            return
        }
        do {
            try store.releaseDeliveries(ids: ids, token: token)
        } catch {
            logger.warning(
                "delivery claims not released; they lapse when their lease ends",
                (Logger.Key.error, String(describing: error)),
                (Logger.Key.count, String(ids.count))
            )
        }
    }

    private func makeToken() -> String {
        crypto.randomBytes(16).map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    /// Milliseconds to wait before claiming again after the store failed.
    private static let storeRetryMillis: Int64 = 2_000
}

extension RetryPolicy.Decision {
    /// The row status the decision leads to.
    var status: DeliveryStatus {
        switch self {
        case .sent: .sent
        case .retry: .pending
        case .dead: .failed
        }
    }

    /// The next attempt's time, for a retry.
    var nextAttemptAtMillis: Int64? {
        if case .retry(let time) = self {
            return time
        }
        return nil
    }
}

extension Logger.Key {
    /// The id of an acknowledgement (its `webhook-id`).
    static let deliveryID = "delivery.id"
    /// Which attempt of an acknowledgement, from 1.
    static let deliveryAttempt = "delivery.attempt"
}

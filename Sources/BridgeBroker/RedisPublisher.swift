// Sends committed events and presence reports to Redis from its own thread, pipelined, without
// ever holding up ingest or the event loop.

import BridgeCore
import Foundation

/// Queues events and presence reports and publishes them over one connection on a dedicated
/// thread.
///
/// `enqueue` only appends to a bounded queue, so neither ingest nor the loop waits for Redis.
/// The thread takes everything queued, sends it as one pipeline of `PUBLISH` commands and reads
/// the replies. When Redis is away the batch is dropped: the database has every event, other
/// instances back-fill the gap on their next check, and the next full presence refresh repairs
/// the counts.
///
/// Threading: `pending`, `stopping` and `dropped` are guarded by `condition`; `connection`,
/// `backoff` and `presenceRefused` belong to the publisher thread.
final class RedisPublisher: @unchecked Sendable {
    /// One message to publish.
    enum Outgoing {
        /// A committed event, for its organisation's channel.
        case event(StoredEvent)
        /// A presence report, for the presence channel.
        case presence(PresenceReport)
        /// A notification for rooms, for the notifications channel.
        case push(RoomPush, instanceID: String)
    }

    /// Messages waiting beyond this are dropped (and back-filled or refreshed later).
    static let maxPending = 50_000
    /// Connect, read and write timeout of the publishing connection.
    static let timeoutMillis = 2_000

    private let config: RedisConfiguration
    private let logger: Logger
    private let condition = NSCondition()
    private let finished = DispatchSemaphore(value: 0)
    private var pending: [Outgoing] = []
    private var stopping = false
    private var running = false
    private var dropped = 0
    private var connection: RedisConnection?
    private var backoff = ReconnectBackoff()
    private var retryAt = 0.0
    private var failing = false
    private var presenceRefused = false

    /// Prepares a publisher; nothing connects until `start`.
    init(config: RedisConfiguration, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    /// Starts the publisher thread.
    func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !running else { return }
        running = true
        stopping = false
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "bridge-redis-publish"
        thread.start()
    }

    /// Queues `message` for publishing; drops it when the queue is full.
    func enqueue(_ message: Outgoing) {
        condition.lock()
        defer { condition.unlock() }
        guard running, !stopping else { return }
        guard pending.count < Self.maxPending else {
            dropped += 1
            return
        }
        pending.append(message)
        if pending.count == 1 { condition.signal() }
    }

    /// Publishes what is queued (bounded by the timeout), then stops the thread and closes.
    func stop() {
        condition.lock()
        guard running else {
            condition.unlock()
            return
        }
        stopping = true
        condition.signal()
        condition.unlock()
        finished.wait()
        condition.lock()
        running = false
        condition.unlock()
    }

    private func run() {
        while let batch = nextBatch() {
            publish(batch)
        }
        connection?.close()
        connection = nil
    }

    /// Waits for messages; nil once stopping and nothing is left.
    private func nextBatch() -> [Outgoing]? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty, !stopping {
            condition.wait()
        }
        if pending.isEmpty { return nil }
        let batch = pending
        pending = []
        if dropped > 0 {
            logger.warning("broker publish queue full; messages dropped", (Logger.Key.count, String(dropped)))
            dropped = 0
        }
        return batch
    }

    private func publish(_ batch: [Outgoing]) {
        guard let connection = connect() else { return }
        do throws(RedisError) {
            for message in batch {
                switch message {
                case .event(let event):
                    try connection.append([
                        Array("PUBLISH".utf8),
                        Array(config.channel(orgID: event.event.orgID).utf8),
                        StoredEventWireFormat.encode(event),
                    ])
                case .presence(let report):
                    try connection.append([
                        Array("PUBLISH".utf8),
                        Array(config.presenceChannel.utf8),
                        PresenceWireFormat.encode(report),
                    ])
                case .push(let push, let instanceID):
                    // A push that cannot travel still goes out as an empty message, so that
                    // every queued message has exactly one reply to read; receivers refuse it.
                    try connection.append([
                        Array("PUBLISH".utf8),
                        Array(config.notificationsChannel.utf8),
                        RoomPushWireFormat.encode(push, instanceID: instanceID) ?? [],
                    ])
                }
            }
            for message in batch {
                guard case .error(let text) = try connection.readReply() else { continue }
                if case .event = message {
                    throw RedisError(.protocolViolation, "the server refused PUBLISH")
                }
                sideChannelRefusedOnce(text)
            }
            if failing {
                failing = false
                logger.info("broker publishing resumed")
            }
        } catch {
            lose(error, dropping: batch.count)
        }
    }

    /// A Redis user whose ACL predates presence and notifications may refuse their channels.
    /// Events must go on regardless, so the refusal costs cluster-wide caps and cross-instance
    /// notifications (logged once), never the connection.
    private func sideChannelRefusedOnce(_ text: String) {
        guard !presenceRefused else { return }
        presenceRefused = true
        logger.warning(
            "broker refused presence or notification messages; caps and notifications stay per instance",
            (Logger.Key.reason, String(text.prefix(200))),
            ("broker.channel", "\(config.presenceChannel) \(config.notificationsChannel)")
        )
    }

    /// The open connection, or a new one; nil while Redis is away and the next try is not due.
    private func connect() -> RedisConnection? {
        if let connection { return connection }
        guard Self.now() >= retryAt else { return nil }
        do {
            let opened = try RedisConnection.open(config, timeoutMillis: Self.timeoutMillis)
            connection = opened
            backoff.reset()
            return opened
        } catch {
            lose(error, dropping: 0)
            return nil
        }
    }

    private func lose(_ error: RedisError, dropping count: Int) {
        connection?.close()
        connection = nil
        var generator = SystemRandomNumberGenerator()
        retryAt = Self.now() + Double(backoff.nextDelay(using: &generator)) / 1000
        if !failing {
            failing = true
            logger.warning(
                "broker publishing failed; events go out through the database until it returns",
                (Logger.Key.error, error.description),
                (Logger.Key.count, String(count))
            )
        }
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000
    }
}

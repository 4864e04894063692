// Listens on every organisation's channel from its own thread, and reconnects when the link drops.

import BridgeCore
import Foundation

/// Holds one `PSUBSCRIBE` connection and hands every valid event to `onEvent`.
///
/// Reads are polled with a short timeout, so `stop` takes effect within `pollMillis`. A quiet
/// link is probed with `PING`; one that stays silent past `silenceMillis` counts as lost, as does
/// any read error. A lost link is reported once through `onState(.disconnected)` and retried with
/// capped backoff; `onState(.connected)` follows each successful subscription (the server
/// back-fills on it).
///
/// Threading: `stopping` and `running` are guarded by `condition`; everything else belongs to
/// the subscriber thread.
final class RedisSubscriber: @unchecked Sendable {
    /// Longest wait in one poll, so that `stop` is noticed quickly.
    static let pollMillis: Int32 = 200
    /// Quiet time after which the subscriber sends `PING`.
    static let pingAfterMillis = 5_000.0
    /// Silence after which the link counts as lost.
    static let silenceMillis = 15_000.0
    /// Connect, read and write timeout of the subscribing connection.
    static let timeoutMillis = 2_000
    /// How often, at most, refused messages are reported in the log.
    static let refusalLogSeconds = 60.0

    private let config: RedisConfiguration
    private let logger: Logger
    private let maxMessageBytes: Int
    private let condition = NSCondition()
    private let finished = DispatchSemaphore(value: 0)
    private var stopping = false
    private var running = false
    private var backoff = ReconnectBackoff()
    private var refusals = RefusalTally()

    /// Prepares a subscriber; messages longer than `maxMessageBytes` are refused unread.
    init(config: RedisConfiguration, logger: Logger, maxMessageBytes: Int) {
        self.config = config
        self.logger = logger
        self.maxMessageBytes = maxMessageBytes
    }

    /// Starts the subscriber thread.
    func start(
        onEvent: @escaping @Sendable (StoredEvent) -> Void,
        onState: @escaping @Sendable (BrokerState) -> Void
    ) {
        condition.lock()
        defer { condition.unlock() }
        guard !running else { return }
        running = true
        stopping = false
        let thread = Thread { [self] in
            run(onEvent: onEvent, onState: onState)
            finished.signal()
        }
        thread.name = "bridge-redis-subscribe"
        thread.start()
    }

    /// Stops the thread (within about `pollMillis`) and closes the connection.
    func stop() {
        condition.lock()
        guard running else {
            condition.unlock()
            return
        }
        stopping = true
        condition.broadcast()
        condition.unlock()
        finished.wait()
        condition.lock()
        running = false
        condition.unlock()
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private func run(
        onEvent: @escaping @Sendable (StoredEvent) -> Void,
        onState: @escaping @Sendable (BrokerState) -> Void
    ) {
        var wasConnected = false
        var reported = false
        while !isStopping {
            do {
                let connection = try subscribe()
                backoff.reset()
                wasConnected = true
                logger.info("broker subscribed", ("broker.pattern", config.channelPattern))
                onState(.connected)
                try listen(connection, onEvent: onEvent)
                connection.close()
                break
            } catch {
                if wasConnected {
                    logger.warning("broker link lost; retrying", (Logger.Key.error, error.description))
                } else if !reported {
                    logger.warning("broker unreachable; retrying", (Logger.Key.error, error.description))
                }
                reported = true
                if wasConnected { onState(.disconnected) }
                wasConnected = false
            }
            var generator = SystemRandomNumberGenerator()
            pause(millis: backoff.nextDelay(using: &generator))
        }
        if wasConnected { onState(.disconnected) }
    }

    /// Connects and subscribes; returns once the server confirmed the subscription.
    private func subscribe() throws(RedisError) -> RedisConnection {
        let connection = try RedisConnection.open(config, timeoutMillis: Self.timeoutMillis)
        let pattern = Array(config.channelPattern.utf8)
        let reply = try connection.command([Array("PSUBSCRIBE".utf8), pattern])
        if case .error(let text) = reply {
            // Redis's own words (`NOPERM …`) name the rule, never a credential.
            throw RedisError(.protocolViolation, "the server refused PSUBSCRIBE: \(text.prefix(200))")
        }
        guard case .array(let parts) = reply, parts.count == 3, parts[0].text == "psubscribe",
            parts[1] == .bytes(pattern)
        else {
            throw RedisError(.protocolViolation, "the server did not confirm PSUBSCRIBE")
        }
        return connection
    }

    /// Reads messages until stopped (returns) or the link fails (throws).
    private func listen(
        _ connection: RedisConnection,
        onEvent: @escaping @Sendable (StoredEvent) -> Void
    ) throws(RedisError) {
        var lastHeard = Self.nowMillis()
        var pingSent = false
        while !isStopping {
            while let reply = try connection.bufferedReply() {
                handle(reply, onEvent: onEvent)
            }
            if try connection.waitReadable(timeoutMillis: Self.pollMillis) {
                try connection.readAvailable()
                lastHeard = Self.nowMillis()
                pingSent = false
                continue
            }
            let quiet = Self.nowMillis() - lastHeard
            if quiet >= Self.silenceMillis {
                throw RedisError(.unavailable, "no answer from the server for \(Int(quiet / 1000)) s")
            }
            if quiet >= Self.pingAfterMillis, !pingSent {
                try connection.append([Array("PING".utf8)])
                try connection.flush()
                pingSent = true
            }
        }
    }

    private func handle(_ reply: RedisReply, onEvent: (StoredEvent) -> Void) {
        guard case .array(let parts) = reply, let kind = parts.first?.text else {
            refuse("a reply that is not a message")
            return
        }
        switch kind {
        case "pmessage":
            guard parts.count == 4, case .bytes(let channelBytes) = parts[2], case .bytes(let payload) = parts[3] else {
                refuse("a pmessage of the wrong shape")
                return
            }
            let channel = String(decoding: channelBytes, as: UTF8.self)
            guard let orgID = config.orgID(fromChannel: channel) else {
                refuse("a message on a channel that names no valid organisation")
                return
            }
            do {
                let event = try StoredEventWireFormat.decode(payload, maxBytes: maxMessageBytes)
                guard event.event.orgID == orgID else {
                    refuse("an event for another organisation than its channel's")
                    return
                }
                onEvent(event)
            } catch {
                refuse(error.description)
            }
        case "pong", "psubscribe", "punsubscribe":
            break
        default:
            refuse("a reply of an unexpected kind")
        }
    }

    /// Counts a refused message; logs at most once per `refusalLogSeconds`, with the count.
    private func refuse(_ reason: String) {
        let now = Self.nowMillis() / 1000
        guard let count = refusals.record(now: now, every: Self.refusalLogSeconds) else { return }
        logger.warning(
            "broker message refused",
            (Logger.Key.reason, reason),
            (Logger.Key.count, String(count))
        )
    }

    /// Sleeps up to `millis`, waking early when stopped.
    private func pause(millis: Int64) {
        let deadline = Date(timeIntervalSinceNow: Double(millis) / 1000)
        condition.lock()
        defer { condition.unlock() }
        while !stopping, condition.wait(until: deadline) {}
    }

    private static func nowMillis() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1_000_000
    }
}

// Listens on every organisation's channel and the presence channel from its own thread, and
// reconnects when the link drops.

import BridgeCore
import Foundation

/// Holds one connection subscribed to every organisation's channel (`PSUBSCRIBE`) and to the
/// presence channel (`SUBSCRIBE`), and hands every valid event to `onEvent` and every valid
/// presence report to `onPresence`.
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
    /// Where valid messages go.
    struct Receivers: Sendable {
        /// Called with every valid event.
        var onEvent: @Sendable (StoredEvent) -> Void
        /// Called with every valid presence report.
        var onPresence: @Sendable (PresenceReport) -> Void
        /// Called with every valid room push (notification).
        var onPush: @Sendable (RoomPushWireFormat.Envelope) -> Void
    }

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
    /// Messages read while waiting for a subscription's confirmation before giving up.
    static let maxMessagesBeforeConfirmation = 10_000

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
    func start(_ receivers: Receivers, onState: @escaping @Sendable (BrokerState) -> Void) {
        condition.lock()
        defer { condition.unlock() }
        guard !running else { return }
        running = true
        stopping = false
        let thread = Thread { [self] in
            run(receivers, onState: onState)
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

    private func run(_ receivers: Receivers, onState: @escaping @Sendable (BrokerState) -> Void) {
        var wasConnected = false
        var reported = false
        while !isStopping {
            do {
                let connection = try subscribe(receivers)
                backoff.reset()
                wasConnected = true
                logger.info("broker subscribed", ("broker.pattern", config.channelPattern))
                onState(.connected)
                try listen(connection, receivers)
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
    private func subscribe(_ receivers: Receivers) throws(RedisError) -> RedisConnection {
        let connection = try RedisConnection.open(config, timeoutMillis: Self.timeoutMillis)
        let pattern = Array(config.channelPattern.utf8)
        let reply = try subscription("PSUBSCRIBE", pattern, on: connection, receivers)
        if case .error(let text) = reply {
            // Redis's own words (`NOPERM …`) name the rule, never a credential.
            throw RedisError(.protocolViolation, "the server refused PSUBSCRIBE: \(text.prefix(200))")
        }
        guard case .array(let parts) = reply, parts.count == 3, parts[0].text == "psubscribe",
            parts[1] == .bytes(pattern)
        else {
            throw RedisError(.protocolViolation, "the server did not confirm PSUBSCRIBE")
        }
        try subscribeChannel(config.presenceChannel, connection, receivers, losing: "connection caps stay per instance")
        try subscribeChannel(
            config.notificationsChannel,
            connection,
            receivers,
            losing: "notifications reach this instance's clients only"
        )
        return connection
    }

    /// Sends one `SUBSCRIBE` or `PSUBSCRIBE` and returns its answer. Messages on what the
    /// connection already listens to can arrive before it; they are handled on the way.
    private func subscription(
        _ command: String,
        _ name: [UInt8],
        on connection: RedisConnection,
        _ receivers: Receivers
    ) throws(RedisError) -> RedisReply {
        try connection.append([Array(command.utf8), name])
        for _ in 0..<Self.maxMessagesBeforeConfirmation {
            let reply = try connection.readReply()
            guard case .array(let parts) = reply, let kind = parts.first?.text, kind == "pmessage" || kind == "message"
            else { return reply }
            handle(reply, receivers)
        }
        throw RedisError(.protocolViolation, "the server did not confirm \(command)")
    }

    /// Subscribes to the presence or notifications channel on the same connection. A refusal
    /// (a Redis user whose ACL predates the channel) is logged, saying what is `losing`, and
    /// lived with: events matter more.
    private func subscribeChannel(
        _ name: String,
        _ connection: RedisConnection,
        _ receivers: Receivers,
        losing: String
    ) throws(RedisError) {
        let channel = Array(name.utf8)
        let reply = try subscription("SUBSCRIBE", channel, on: connection, receivers)
        if case .error(let text) = reply {
            logger.warning(
                "broker refused a channel",
                (Logger.Key.reason, String(text.prefix(200))),
                ("broker.channel", name),
                ("broker.effect", losing)
            )
            return
        }
        guard case .array(let parts) = reply, parts.count == 3, parts[0].text == "subscribe",
            parts[1] == .bytes(channel)
        else {
            throw RedisError(.protocolViolation, "the server did not confirm SUBSCRIBE")
        }
    }

    /// Reads messages until stopped (returns) or the link fails (throws).
    private func listen(_ connection: RedisConnection, _ receivers: Receivers) throws(RedisError) {
        var lastHeard = Self.nowMillis()
        var pingSent = false
        while !isStopping {
            while let reply = try connection.bufferedReply() {
                handle(reply, receivers)
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

    private func handle(_ reply: RedisReply, _ receivers: Receivers) {
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
                receivers.onEvent(event)
            } catch {
                refuse(error.description)
            }
        case "message":
            guard parts.count == 3, case .bytes(let channel) = parts[1], case .bytes(let payload) = parts[2] else {
                refuse("a message of the wrong shape")
                return
            }
            if channel == Array(config.presenceChannel.utf8) {
                do {
                    receivers.onPresence(try PresenceWireFormat.decode(payload))
                } catch {
                    refuse("presence report: \(error.description)")
                }
            } else if channel == Array(config.notificationsChannel.utf8) {
                do {
                    receivers.onPush(try RoomPushWireFormat.decode(payload))
                } catch {
                    refuse("room push: \(error.description)")
                }
            } else {
                refuse("a message on an unexpected channel")
            }
        case "pong", "psubscribe", "punsubscribe", "subscribe", "unsubscribe":
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

// The bridge's network edge: one libwebsockets context serving HTTP and WebSocket on one thread.

import BridgeCore
import CLibWebSockets
import Foundation

/// Serves `POST /webhooks/{sourceId}`, `GET /api/health` and `GET /ws`.
///
/// Threading: `run()` owns the lws context and every property marked loop-confined; lws calls
/// back on that same thread. Other threads reach the loop only through `inbox`, which wakes it
/// with `lws_cancel_service`. Ingest (signatures, JSON, storage) runs on its own thread.
public final class Server: @unchecked Sendable {
    /// What the server needs from the rest of the process.
    public struct Dependencies: Sendable {
        /// Where events are stored.
        public var store: any EventStore
        /// HMAC, base64 and random bytes.
        public var crypto: any CryptoProvider
        /// The process logger; the server adds request and connection ids.
        public var logger: Logger
        /// The `/api/...` route groups beyond health, stats and metrics.
        public var apiHandlers: [any APIHandler]
        /// Where security events go (the audit trail), if anywhere.
        public var auditor: (any SecurityAuditing)?
        /// Told how many connections each accepted event reached (delivery acknowledgements).
        public var deliveryObserver: (any DeliveryObserver)?
        /// Carries events between instances; nil for a single instance.
        public var broker: (any EventBroker)?

        /// Bundles the parts a server is built from.
        public init(
            store: any EventStore,
            crypto: any CryptoProvider,
            logger: Logger,
            apiHandlers: [any APIHandler] = [],
            auditor: (any SecurityAuditing)? = nil,
            deliveryObserver: (any DeliveryObserver)? = nil,
            broker: (any EventBroker)? = nil
        ) {
            self.broker = broker
            self.auditor = auditor
            self.deliveryObserver = deliveryObserver
            self.store = store
            self.crypto = crypto
            self.logger = logger
            self.apiHandlers = apiHandlers
        }
    }

    let config: BridgeConfiguration
    let store: any EventStore
    let logger: Logger
    let jwt: JWTCodec
    let inbox = LoopInbox()
    let ingest: IngestPipeline
    let storeReads = DispatchQueue(label: "bridge.store-reads")
    let maintenance = DispatchQueue(label: "bridge.maintenance")
    let apiQueue = DispatchQueue(label: "bridge.api", attributes: .concurrent)
    let apiHandlers: [any APIHandler]
    let auditor: (any SecurityAuditing)?
    let deliveryObserver: (any DeliveryObserver)?
    let broker: (any EventBroker)?
    var brokerState = BrokerState.disabled
    var heldBroadcasts: [String: [Int64: Broadcast]] = [:]
    var backfills: Set<String> = []
    private let ticker = Ticker()

    // Loop-confined state.
    var exchanges: [UInt: HTTPExchange] = [:]
    var handshakes: [UInt: PendingUpgrade] = [:]
    var connections: [UInt: ClientConnection] = [:]
    var connectionsByID: [Int: ClientConnection] = [:]
    var rooms = RoomIndex()
    var latestSeqs: [String: Int64] = [:]
    var seqRequests: Set<String> = []
    var waitingForSeq: [String: [Int]] = [:]
    var unauthenticated: Set<Int> = []
    var openConnectionCount = 0
    var connectionsPerIP: [String: Int] = [:]
    var connectionsPerUser: [String: Int] = [:]
    /// What this instance reports of its own per-user counts; nil without a broker.
    var presenceSchedule: PresenceSchedule?
    /// The other instances' counts, as their presence reports said.
    var clusterPresence: ClusterPresence
    /// Presence reports refused for passing a bound, and how many of them were logged.
    var presenceRefusals = (count: 0, logged: 0)
    var budget: MessageBudget
    var counters = EdgeCounters()
    var tickCount = 0
    let coalescedWrite = CoalescedWrite()
    let fanOutFlush: FanOutFlush
    /// The lws context and this server as lws's user pointer, while `run()` serves.
    var serving: (context: OpaquePointer, owner: UnsafeMutableRawPointer)?
    /// Message totals sampled once a second, for per-second and per-minute rates.
    var rateSamples: [(at: Double, messagesIn: Int, messagesOut: Int)] = []
    /// How long closed connections lasted, in seconds.
    var connectionDurations = Histogram(bounds: [1, 5, 15, 60, 300, 900, 3600, 14_400, 86_400, 604_800])
    let ingestCounters = IngestCounters()
    let stageMetrics = StageMetrics()
    let startedAt = Clock.monotonic()
    var nextRequestNumber = 0
    /// Counts calls of `lws_service`: callbacks within one call share a number.
    var serviceTurn: UInt64 = 0
    var nextConnectionID = 0
    var draining = false
    let requestIDPrefix: String

    /// The port actually bound, once `run()` has started listening.
    public private(set) var boundPort: Int = 0

    /// Prepares a server; fails, naming the variable, when a webhook secret is unusable.
    public init(config: BridgeConfiguration, dependencies: Dependencies) throws(ConfigurationError) {
        self.config = config
        fanOutFlush = FanOutFlush(window: Double(config.webSocket.writeCoalesceMillis) / 1000)
        store = dependencies.store
        logger = dependencies.logger
        apiHandlers = dependencies.apiHandlers
        auditor = dependencies.auditor
        deliveryObserver = dependencies.deliveryObserver
        broker = dependencies.broker
        jwt = JWTCodec(secret: config.jwtSecret, crypto: dependencies.crypto)
        var verifiers: [String: StandardWebhookVerifier] = [:]
        for (id, source) in config.sources {
            let variable = SourceConfiguration.secretVariable(for: id)
            do {
                let secrets = try source.secrets.map { text in
                    try WebhookSecret(text, crypto: dependencies.crypto)
                }
                verifiers[id] = try StandardWebhookVerifier(
                    secrets: secrets,
                    toleranceSeconds: Int64(config.webhookToleranceSeconds),
                    crypto: dependencies.crypto
                )
            } catch let error as WebhookSecretError {
                throw ConfigurationError(variable, error.message)
            } catch {
                throw ConfigurationError(variable, "is not a valid list of whsec_ secrets")
            }
        }
        let crypto = dependencies.crypto
        budget = MessageBudget(
            messages: config.webSocket.rateLimitMessages,
            windowSeconds: Double(config.webSocket.rateLimitWindowMillis) / 1000
        )
        requestIDPrefix = crypto.randomBytes(4).map { String($0, radix: 16) }.joined()
        let instanceID = UUIDv4.make(crypto: crypto)
        clusterPresence = ClusterPresence(localInstanceID: instanceID)
        presenceSchedule = dependencies.broker == nil ? nil : PresenceSchedule(instanceID: instanceID)
        ingest = IngestPipeline(
            store: dependencies.store,
            verifiers: verifiers,
            inbox: inbox,
            logger: dependencies.logger,
            now: { Clock.unixMillis() },
            makeEventID: { UUIDv4.make(crypto: crypto) },
            counters: ingestCounters,
            metrics: stageMetrics,
            auditor: dependencies.auditor,
            broker: dependencies.broker
        )
    }

    /// Serves until `stop()`; returns once every connection is closed and the context destroyed.
    public func run() throws(ServerError) {
        LWSLog.install(logger)
        let unmanaged = Unmanaged.passRetained(self)
        defer { unmanaged.release() }
        try Self.checkTLSFiles(config)
        let vhost = try VhostSettings(config: config)
        guard let context = vhost.createContext(user: unmanaged.toOpaque()) else {
            throw ServerError("cannot listen on \(config.host):\(config.port) (address in use or not available)")
        }
        boundPort = vhost.listeningPort(context) ?? config.port
        serving = (context, unmanaged.toOpaque())
        inbox.attach(context)
        ingest.start()
        if let broker {
            let inbox = self.inbox
            let instanceID = clusterPresence.localInstanceID
            brokerState = .disconnected
            broker.start(
                onEvent: { stored in
                    let now = Clock.monotonic()
                    inbox.post(.remote(Broadcast(stored, receivedAt: now, committedAt: now)))
                },
                onPresence: { report in inbox.post(.presence(report)) },
                onPush: { envelope in
                    // This instance delivered its own pushes when it made them.
                    guard envelope.instanceID != instanceID else { return }
                    inbox.post(.remotePush(envelope.push))
                },
                onState: { state in inbox.post(.brokerState(state)) }
            )
        }
        ticker.start(every: 0.25) { [inbox] in inbox.post(.tick) }
        logger.info(
            "listening",
            (Logger.Key.address, "\(usesTLS ? "https" : "http")://\(config.host):\(boundPort)"),
            ("store.engine", store.engine)
        )
        while !finishedDraining {
            serviceTurn &+= 1
            guard lws_service(context, 0) >= 0 else { break }
        }
        ticker.stop()
        if let broker, let schedule = presenceSchedule { broker.publish(schedule.finalReport) }
        inbox.attach(nil)
        fanOutFlush.cancel()
        serving = nil
        lws_context_destroy(context)
        withExtendedLifetime(vhost) {}
        // Webhooks still queued were never answered and will be retried by their senders;
        // the ones answered were committed before their answer was queued.
        ingest.stop(timeout: 2)
        broker?.stop()
        storeReads.sync {}
        maintenance.sync {}
        store.close()
        logger.info("stopped")
    }

    /// Asks the server to shut down; safe from any thread (signal handlers included).
    public func stop() {
        inbox.post(.shutdown)
    }

    /// Set on the loop once shutdown has flushed and closed everything.
    var finishedDraining = false
    var drainDeadline = 0.0
}

/// A failure to start serving; `description` is safe to print.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, safe to print.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}

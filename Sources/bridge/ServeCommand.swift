// `bridge serve`: load configuration, open the store, run the server until a signal.

import BridgeCore
import BridgeCrypto
import BridgeDelivery
import BridgeServer
import BridgeStore
import CMalloc
import Dispatch
import Foundation

enum ServeCommand {
    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        guard arguments.isEmpty else {
            printError("serve takes no arguments; configure it with environment variables")
            return 64
        }
        let config: BridgeConfiguration
        do {
            config = try BridgeConfiguration.load(from: Environment(environment))
        } catch {
            printError("configuration: \(error)")
            return 78
        }
        // --- Multi-instance mode through Redis (issue 9) ---
        let redis: RedisConfiguration?
        let synchronous: SQLiteSynchronous?
        do {
            redis = try BrokerFactory.configuration(Environment(environment), databaseURL: config.databaseURL)
            synchronous = try StoreFactory.synchronousMode(Environment(environment))
        } catch {
            printError("configuration: \(error)")
            return 78
        }
        // --- end of multi-instance mode ---
        keepFreedMemoryNearby()
        let logger = LoggerFactory.make(config)
        let crypto: OpenSSLCrypto
        do {
            crypto = try OpenSSLCrypto()
        } catch {
            printError("crypto: \(error)")
            return 70
        }
        let store: any EventStore
        do {
            store = try StoreFactory.open(config.databaseURL, synchronous: synchronous)
        } catch {
            printError("DATABASE_URL: \(error)")
            return 78
        }
        // --- Delivery acknowledgements (issue 6) ---
        let unixMillis: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
        let outbox = store as? any EventStore & DeliveryStore
        let deliveryConfig: DeliveryConfiguration
        let deliveryReports: DeliveryReportQueue?
        let deliveryWorker: DeliveryWorker?
        do {
            deliveryConfig = try DeliveryConfiguration.load(
                from: Environment(environment),
                sourceIDs: config.sources.keys
            )
            let reports = DeliveryReportQueue(sources: deliveryConfig.ackSources, now: unixMillis)
            deliveryReports = deliveryConfig.isEnabled ? reports : nil
            deliveryWorker = try outbox.map { outbox throws(ConfigurationError) in
                try DeliveryWorker(
                    store: outbox,
                    configuration: deliveryConfig,
                    sources: config.sources,
                    crypto: crypto,
                    reports: reports,
                    logger: logger
                )
            }
        } catch {
            printError("configuration: \(error)")
            return 78
        }
        let ingestStore: any EventStore =
            outbox.map { DeliveryOutbox(base: $0, ackSources: deliveryConfig.ackSources) } ?? store
        // --- end of delivery acknowledgements ---
        // --- Notifications and the security audit trail (issue 5) ---
        let auditor = SecurityAuditor(
            store: store as? any AuditStore,
            crypto: crypto,
            logger: logger,
            clock: unixMillis,
            sink: { line in FileHandleOutput.standardError(line) }
        )
        let apiJWT = JWTCodec(secret: config.jwtSecret, crypto: crypto)
        var auditedHandlers: [any APIHandler] = []
        if let outbox {
            auditedHandlers.append(
                DeliveriesAPI(store: outbox, jwt: apiJWT, auditor: auditor, logger: logger, clock: unixMillis)
            )
        }
        if let notifications = store as? any NotificationStore {
            auditedHandlers.append(
                NotificationsAPI(
                    store: notifications,
                    jwt: apiJWT,
                    crypto: crypto,
                    auditor: auditor,
                    logger: logger,
                    clock: unixMillis
                )
            )
        }
        if let auditLog = store as? any AuditStore {
            auditedHandlers.append(
                AuditAPI(store: auditLog, jwt: apiJWT, auditor: auditor, logger: logger, clock: unixMillis)
            )
        }
        // --- end of notifications and the security audit trail ---
        let server: Server
        do {
            server = try Server(
                config: config,
                dependencies: .init(
                    store: ingestStore,
                    crypto: crypto,
                    logger: logger,
                    apiHandlers: auditedHandlers,
                    auditor: auditor,
                    deliveryObserver: deliveryReports,
                    broker: BrokerFactory.make(redis, config: config, logger: logger)
                )
            )
        } catch {
            printError("configuration: \(error)")
            return 78
        }
        deliveryWorker?.start()
        let signals = SignalHandlers(
            stop: {
                // The worker releases its claims while the store is still open.
                deliveryWorker?.stop(timeout: 3)
                // Aggregated audit summaries are written while the store is still open.
                auditor.flush()
                server.stop()
            },
            reload: { server.reloadCertificates() }
        )
        defer { withExtendedLifetime(signals) {} }
        do {
            try server.run()
        } catch {
            printError("\(error)")
            return 71
        }
        return 0
    }

    /// glibc hands the free top of a thread's arena back to the kernel (`madvise`) as soon as it
    /// passes 128 KiB. The ingest thread crossed that once per batch, and every `madvise` flushes
    /// the TLBs of both cores: in the ingest benchmark that was one system call per webhook and
    /// about a tenth of the server's CPU. Up to 16 MiB per arena now stays mapped for reuse.
    private static func keepFreedMemoryNearby() {
        _ = mallopt(M_TRIM_THRESHOLD, 16 << 20)
    }
}

/// Turns SIGTERM and SIGINT into `stop`, and SIGHUP into `reload`.
final class SignalHandlers {
    private var sources: [DispatchSourceSignal] = []

    init(stop: @escaping @Sendable () -> Void, reload: @escaping @Sendable () -> Void) {
        for number in [SIGTERM, SIGINT, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: number == SIGHUP ? reload : stop)
            source.resume()
            sources.append(source)
        }
    }
}

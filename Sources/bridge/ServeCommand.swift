// `bridge serve`: load configuration, open the store, run the server until a signal.

import BridgeCore
import BridgeCrypto
import BridgeServer
import BridgeStore
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
            store = try StoreFactory.open(config.databaseURL)
        } catch {
            printError("DATABASE_URL: \(error)")
            return 78
        }
        let server: Server
        do {
            server = try Server(config: config, dependencies: .init(store: store, crypto: crypto, logger: logger))
        } catch {
            printError("configuration: \(error)")
            return 78
        }
        let signals = SignalHandlers(stop: { server.stop() }, reload: { server.reloadCertificates() })
        defer { withExtendedLifetime(signals) {} }
        do {
            try server.run()
        } catch {
            printError("\(error)")
            return 71
        }
        return 0
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

// `bridge audit verify`: walks the audit log's hash chain and names the first broken row.

import BridgeCore
import BridgeCrypto

enum AuditCommand {
    static let usage = """
        Usage:
          bridge audit verify    check every row of the audit log against the hash chain;
                                 exit 0 when intact, 1 naming the first broken row
        The database is the one DATABASE_URL names.
        """

    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        switch arguments {
        case ["verify"]:
            return verify(environment: environment)
        case ["--help"], ["-h"], ["help"]:
            print(usage)
            return 0
        default:
            printError("audit: expected verify\n\n\(usage)")
            return 64
        }
    }

    private static func verify(environment: [String: String]) -> Int32 {
        let url = environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "sqlite:./data/bridge.sqlite3"
        let crypto: OpenSSLCrypto
        do {
            crypto = try OpenSSLCrypto()
        } catch {
            printError("crypto: \(error)")
            return 70
        }
        let store: any EventStore
        do {
            store = try StoreFactory.open(url, synchronous: nil)
        } catch {
            printError("DATABASE_URL: \(error)")
            return 78
        }
        defer { store.close() }
        guard let auditLog = store as? any AuditStore else {
            printError("audit: the \(store.engine) store keeps no audit log")
            return 70
        }
        do {
            let count = try AuditChainVerifier.verify(auditLog, chain: AuditChain(crypto: crypto))
            print("audit chain intact: \(count) records")
            return 0
        } catch let broken as AuditChainBreak {
            printError("audit chain broken: \(broken)")
            return 1
        } catch {
            printError("audit: cannot read the audit log: \(error)")
            return 69
        }
    }
}

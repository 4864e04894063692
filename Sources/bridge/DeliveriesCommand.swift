// `bridge deliveries`: list the acknowledgement outbox and retry its dead letters.

import BridgeCore
import Foundation

enum DeliveriesCommand {
    static let usage = """
        Usage:
          bridge deliveries list [--status pending|sent|failed] [--org ORG] [--limit N]
                                 print outbox rows as JSON lines, newest first (default limit 100)
          bridge deliveries retry ID          make the failed delivery ID pending again
          bridge deliveries retry --all-failed
                                 make every failed delivery pending again
        The database is the one DATABASE_URL names; a running bridge sends retried rows when due.
        """

    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        let url = environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "sqlite:./data/bridge.sqlite3"
        let rest = Array(arguments.dropFirst())
        do {
            switch arguments.first {
            case "list":
                let options = try Options(rest, allowed: ["status", "org", "limit"])
                return try withStore(url) { store in try list(store, options) }
            case "retry":
                let target = try retryTarget(rest)
                return try withStore(url) { store in try retry(store, target) }
            case "--help", "-h", "help":
                print(usage)
                return 0
            default:
                throw UsageError("expected list or retry")
            }
        } catch let error as UsageError {
            printError("deliveries: \(error.message)\n\n\(usage)")
            return 64
        } catch {
            printError("deliveries: \(error)")
            return 1
        }
    }

    /// What `retry` should revive: one id, or every failed row.
    private enum RetryTarget {
        case one(String)
        case allFailed
    }

    private static func retryTarget(_ arguments: [String]) throws(UsageError) -> RetryTarget {
        guard arguments.count == 1, let argument = arguments.first, !argument.isEmpty else {
            throw UsageError("retry takes one delivery id or --all-failed")
        }
        if argument == "--all-failed" {
            return .allFailed
        }
        guard !argument.hasPrefix("-") else {
            throw UsageError("unknown option '\(argument)'")
        }
        return .one(argument)
    }

    private static func withStore(_ url: String, _ body: (any DeliveryStore) throws -> Int32) throws -> Int32 {
        let store = try StoreFactory.open(url, synchronous: nil)
        defer { store.close() }
        guard let outbox = store as? any DeliveryStore else {
            throw StoreError(.configuration, "this store has no delivery outbox")
        }
        return try body(outbox)
    }

    private static func list(_ store: any DeliveryStore, _ options: Options) throws -> Int32 {
        let status = try options["status"].map { text throws(UsageError) in
            guard let status = DeliveryStatus(rawValue: text) else {
                throw UsageError("--status must be pending, sent or failed")
            }
            return status
        }
        let limit = try options["limit"].map { text throws(UsageError) in
            guard let value = Int(text), (1...100_000).contains(value) else {
                throw UsageError("--limit must be a whole number from 1 to 100000")
            }
            return value
        }
        for row in try store.deliveries(orgID: options["org"], status: status, limit: limit ?? 100) {
            var json = JSONText(capacity: 512)
            row.writeJSON(into: &json)
            print(String(decoding: json.bytes, as: UTF8.self))
        }
        return 0
    }

    private static func retry(_ store: any DeliveryStore, _ target: RetryTarget) throws -> Int32 {
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        switch target {
        case .one(let id):
            guard try store.retryDelivery(id: id, orgID: nil, nowMillis: now) else {
                let known = try store.delivery(id: id, orgID: nil)
                printError("deliveries: \(known == nil ? "no delivery has that id" : "that delivery has not failed")")
                return 1
            }
            print("1 delivery scheduled for retry")
        case .allFailed:
            let count = try store.retryFailedDeliveries(orgID: nil, nowMillis: now)
            print("\(count) \(count == 1 ? "delivery" : "deliveries") scheduled for retry")
        }
        return 0
    }
}

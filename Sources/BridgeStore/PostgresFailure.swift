// A failed libpq call, with what the store needs to decide whether to retry it.

import BridgeCore
import Foundation

/// An error inside the PostgreSQL store, before it leaves as a `StoreError`.
///
/// It keeps the SQLSTATE and whether the connection broke, which decide retries; callers
/// outside the store only ever see `storeError`.
struct PostgresFailure: Error {
    /// The error handed to callers; its message never holds parameter values.
    var storeError: StoreError
    /// The five-character SQLSTATE the server sent, when it sent one.
    var sqlState: String?
    /// The connection is gone; a reset (and a fresh attempt) may help.
    var connectionLost: Bool
    /// The failure came from `COMMIT` itself, so the transaction may or may not have committed.
    var duringCommit = false

    /// SQLSTATEs of a transaction that lost a race and is worth running again as a whole:
    /// serialization failure and deadlock.
    static let raceStates: Set<String> = ["40001", "40P01"]

    /// A failure the server reported with `sqlState` and `message` (its primary message only).
    init(sqlState: String?, message: String, context: String) {
        self.sqlState = sqlState
        self.connectionLost = false
        let code = Self.kind(ofSQLState: sqlState)
        let state = sqlState.map { " (sqlstate \($0))" } ?? ""
        self.storeError = StoreError(code, "\(context): \(message)\(state)")
    }

    /// A failure found before anything reached the server; never retried.
    init(_ storeError: StoreError) {
        self.storeError = storeError
        self.sqlState = nil
        self.connectionLost = false
    }

    /// A failure because the connection could not be made or broke.
    init(connectionLostWith message: String, context: String) {
        self.sqlState = nil
        self.connectionLost = true
        self.storeError = StoreError(.unavailable, "\(context): \(message)")
    }

    /// Worth running the whole unit of work again: it lost a race, or the connection broke
    /// before anything could have committed.
    var isRetryable: Bool {
        guard !duringCommit else {
            return false
        }
        return connectionLost || sqlState.map(Self.raceStates.contains) == true
    }

    /// Connection trouble, resource shortages, shutdowns, lock and statement timeouts and
    /// lost races may pass by themselves; anything else will not by retrying.
    static func kind(ofSQLState state: String?) -> StoreError.Code {
        guard let state else {
            return .failed
        }
        // 08 connection exception, 53 insufficient resources, 57P0x shutting down or starting.
        let passing = ["08", "53", "57P0", "40001", "40P01", "55P03", "57014"]
        return passing.contains { state.hasPrefix($0) } ? .unavailable : .failed
    }

    /// Makes libpq's text safe to repeat: one line, and nothing from the word "password" on.
    ///
    /// libpq's connection messages name hosts and ports, which is fine to log; a message about
    /// authentication may say more than that, so it is cut there.
    static func safeMessage(_ raw: String) -> String {
        var text = raw.split(whereSeparator: \.isNewline)
            .map { $0.trimmingWhitespace() }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
        if let password = text.range(of: "password", options: .caseInsensitive) {
            text = String(text[..<password.lowerBound]) + "password (details withheld)"
        }
        return text.isEmpty ? "no details from libpq" : text
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    fileprivate func trimmingWhitespace() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(self.drop(while: isBlank).reversed().drop(while: isBlank).reversed())
    }
}

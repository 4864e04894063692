// A small pool of libpq connections, lent out one borrower at a time.

import BridgeCore
import Foundation

/// Up to `size` connections to one database, opened on demand and reconnected when broken.
///
/// Locking: `condition` guards `idle`, `lent` and `closed`, and nothing else touches them.
/// A connection is either in `idle` (reachable only under the lock) or held by exactly one
/// borrower, who gets it outside the lock and gives it back through `checkIn`. Connecting and
/// statements run outside the lock, so a slow server never blocks other checkouts.
final class PostgresConnectionPool: @unchecked Sendable {
    /// The most connections open at once.
    let size: Int
    /// How long a borrower waits for a free connection before giving up, in seconds.
    let checkoutTimeout: Double

    private let url: String
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var lent = 0
    private var closed = false

    /// A pool of at most `size` connections to `url`, starting with `first` (already open).
    init(url: String, size: Int, checkoutTimeout: Double, first: PostgresConnection) {
        self.url = url
        self.size = size
        self.checkoutTimeout = checkoutTimeout
        self.idle = [first]
    }

    /// Lends a healthy connection to `body` and takes it back afterwards.
    ///
    /// - Throws: `StoreError` `.unavailable` when no connection frees up within
    ///   `checkoutTimeout`, the server cannot be reached, or the pool is closed; any
    ///   `PostgresFailure` from `body` leaves as its `StoreError`.
    func withConnection<Result>(_ body: (PostgresConnection) throws -> Result) throws -> Result {
        let connection = try checkOut()
        defer { checkIn(connection) }
        do {
            try connection.reconnectIfNeeded()
            return try body(connection)
        } catch let failure as PostgresFailure {
            throw failure.storeError
        }
    }

    /// Closes the idle connections now and the lent ones as they come back; later checkouts
    /// fail as unavailable.
    func close() {
        condition.lock()
        closed = true
        let closing = idle
        idle = []
        condition.broadcast()
        condition.unlock()

        for connection in closing {
            connection.close()
        }
    }

    /// Takes an idle connection, or opens a new one while fewer than `size` are open.
    private func checkOut() throws -> PostgresConnection {
        let deadline = Date(timeIntervalSinceNow: checkoutTimeout)
        condition.lock()
        while !closed && idle.isEmpty && lent >= size {
            guard condition.wait(until: deadline) else {
                condition.unlock()
                throw StoreError(.unavailable, "no PostgreSQL connection became free in time")
            }
        }
        guard !closed else {
            condition.unlock()
            throw Self.closedError
        }
        lent += 1
        let reused = idle.popLast()
        condition.unlock()

        if let reused {
            return reused
        }
        do {
            return try PostgresConnection(url: url)
        } catch {
            releaseSlot()
            throw (error as? PostgresFailure)?.storeError ?? error
        }
    }

    /// Returns a borrowed connection, or closes it when the pool was closed meanwhile.
    private func checkIn(_ connection: PostgresConnection) {
        condition.lock()
        lent -= 1
        let keep = !closed
        if keep {
            idle.append(connection)
        }
        condition.signal()
        condition.unlock()

        if !keep {
            connection.close()
        }
    }

    /// Gives back a slot whose connection could not be opened.
    private func releaseSlot() {
        condition.lock()
        lent -= 1
        condition.signal()
        condition.unlock()
    }

    /// The error every call gets once the store is closed.
    private static let closedError = StoreError(.unavailable, "the store is closed")
}

// Timer work on the loop: authentication deadlines, the sweep over every connection (idle,
// token expiry), rates, retention and the drain at shutdown.

import BridgeCore
import CLibWebSockets

extension Server {
    /// Timer work, four times a second; the sweep over every connection runs once a second.
    func tick() {
        let now = Clock.monotonic()
        for id in unauthenticated {
            guard let connection = connectionsByID[id], now >= connection.authDeadline else { continue }
            unauthenticated.remove(id)
            counters.authTimeouts += 1
            close(connection, .authenticationTimeout, "authentication timeout")
        }
        tickCount &+= 1
        if tickCount % 4 == 0 { sweep(now: now) }
        if draining { checkDrained(now: now) }
        if broker != nil { presenceTick(now: now) }
    }

    private func sweep(now: Double) {
        rateSamples.append((now, counters.messagesIn, counters.messagesOut))
        if rateSamples.count > 61 { rateSamples.removeFirst(rateSamples.count - 61) }
        let unixNow = Clock.unixSeconds()
        let idleLimit = Double(config.webSocket.idleTimeoutSeconds)
        let refreshWindow = Double(config.webSocket.authTimeoutSeconds)
        for connection in connections.values where connection.closing == nil {
            if now - connection.lastMessageAt >= idleLimit {
                counters.idleTimeouts += 1
                close(connection, .goingAway, "idle timeout")
                continue
            }
            guard let claims = connection.claims, claims.expiresAt <= unixNow else { continue }
            if let deadline = connection.refreshDeadline {
                if now >= deadline {
                    counters.authFailed += 1
                    close(connection, .authenticationFailed, "token expired")
                }
            } else {
                connection.refreshDeadline = now + refreshWindow
                send(connection, ServerMessage.authExpiring(expiredAt: claims.expiresAt))
            }
        }
        if broker != nil, tickCount % 20 == 0 { backfillAll() }
        if tickCount % 240 == 0 {
            budget.prune(now: now)
            scheduleRetention()
        }
    }

    /// Starts a graceful shutdown: refuse new work, close clients with 1001.
    func beginDrain() {
        guard !draining else { return }
        draining = true
        drainDeadline = Clock.monotonic() + Double(config.shutdownTimeoutSeconds)
        logger.info("draining", (Logger.Key.count, String(connections.count)))
        for connection in connections.values {
            close(connection, .goingAway, "server shutting down")
        }
        checkDrained(now: Clock.monotonic())
    }

    private func checkDrained(now: Double) {
        let waiting = exchanges.values.contains { exchange in
            if case .receiving = exchange.phase { return false }
            return true
        }
        if (connections.isEmpty && !waiting) || now >= drainDeadline {
            finishedDraining = true
        }
    }
}

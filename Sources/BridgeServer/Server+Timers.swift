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
        for connection in connections.values {
            guard heartbeat(connection, now: now), connection.closing == nil else { continue }
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
        expireSlowBodies(now: now)
        if broker != nil, tickCount % 20 == 0 { backfillAll() }
        if tickCount % 240 == 0 {
            budget.prune(now: now)
            scheduleRetention()
        }
    }

    /// Answers `408` to requests whose body has not arrived within `HTTP_BODY_TIMEOUT_S` of
    /// their headers. lws restarts its own timeout with every byte, so a client sending one
    /// byte now and then would otherwise hold the connection for as long as it likes.
    private func expireSlowBodies(now: Double) {
        let limit = Double(config.httpBodyTimeoutSeconds)
        for exchange in exchanges.values where now - exchange.startedAt >= limit {
            guard case .receiving = exchange.phase else { continue }
            exchange.body = []
            let message = "the request body did not arrive within \(config.httpBodyTimeoutSeconds) s"
            respond(exchange, .error(408, code: "request_timeout", message: message), closeBody: true)
        }
    }

    /// Pings a connection silent for `WS_PING_INTERVAL_S` (once per interval), and drops one
    /// silent for `WS_PONG_TIMEOUT_S` without a close frame: a peer that answers nothing would
    /// not answer that either, and a half-open connection must not hold its place for ever.
    /// Connections already closing are dropped too, when their close frame cannot get out.
    /// - Returns: false when the connection is being dropped.
    private func heartbeat(_ connection: ClientConnection, now: Double) -> Bool {
        guard !connection.hungUp else { return false }
        let silence = now - connection.lastFrameAt
        if silence >= Double(config.webSocket.pongTimeoutSeconds) {
            connection.hungUp = true
            if connection.closing == nil, !connection.peerClosed { counters.heartbeatTimeouts += 1 }
            logger.debug("websocket heartbeat timeout", (Logger.Key.connection, String(connection.id)))
            lws_set_timeout(connection.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC)
            return false
        }
        let interval = Double(config.webSocket.pingIntervalSeconds)
        if connection.closing == nil, silence >= interval, now - (connection.lastPingAt ?? -interval) >= interval {
            connection.lastPingAt = now
            connection.pingDue = true
            lws_callback_on_writable(connection.wsi)
        }
        return true
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

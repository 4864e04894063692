// The WebSocket upgrade gate on the loop: path, drain, caps, origin and token, checked before lws
// answers, and a real HTTP answer when the upgrade is refused.

import BridgeCore
import CLibWebSockets

extension Server {
    /// The upgrade request, before lws answers it. Non-zero refuses the upgrade.
    func filterUpgrade(_ wsi: OpaquePointer) -> Int32 {
        let request = LWSRequest(wsi: wsi)
        let path = request.header(WSI_TOKEN_GET_URI) ?? ""
        guard path == "/ws" else {
            return refuseUpgrade(wsi, .error(404, code: "not_found", message: "WebSocket endpoint is /ws"))
        }
        // RFC 6455 4.4: a version the server does not speak gets 426 naming the one it does.
        guard request.header(WSI_TOKEN_VERSION) == "13" else {
            let response = HTTPResponse.error(
                426,
                code: "unsupported_websocket_version",
                message: "Sec-WebSocket-Version must be 13",
                headers: [("sec-websocket-version", "13")]
            )
            return refuseUpgrade(wsi, response)
        }
        if draining {
            return refuseUpgrade(wsi, .unavailable("the server is shutting down", retryAfter: 5))
        }
        guard openConnectionCount < config.webSocket.maxConnections else {
            counters.connectionCapRejected += 1
            return refuseUpgrade(wsi, .unavailable("too many connections", retryAfter: 5))
        }
        let origin = request.header(WSI_TOKEN_ORIGIN)
        guard isAllowed(origin: origin, present: request.hasHeader(WSI_TOKEN_ORIGIN)) else {
            counters.originRejected += 1
            audit(request, "WS_ORIGIN_REJECTED", metadata: ["origin": String((origin ?? "(missing)").prefix(200))])
            return refuseUpgrade(wsi, .error(403, code: "origin_not_allowed", message: "origin not allowed"))
        }
        // Behind a trusted proxy the cap counts the client's address, not the proxy's.
        let address = clientAddress(request)
        guard connectionsPerIP[address, default: 0] < config.webSocket.maxConnectionsPerIP else {
            counters.ipCapRejected += 1
            return refuseUpgrade(wsi, tooManyConnections("too many connections from this address"))
        }
        var claims: JWTClaims?
        if let token = request.queryArgument("access_token") {
            do {
                claims = try jwt.verify(token, now: Clock.unixSeconds())
            } catch {
                counters.handshakeAuthRejected += 1
                audit(request, "WS_AUTH_FAILED", metadata: ["reason": error.code.rawValue, "stage": "handshake"])
                logger.debug("websocket token rejected", (Logger.Key.reason, error.code.rawValue))
                return refuseUpgrade(wsi, .error(401, code: "unauthorized", message: error.message))
            }
        }
        if let claims, clusterConnections(of: CapKeys.userKey(claims)) >= config.webSocket.maxConnectionsPerUser {
            counters.userCapRejected += 1
            return refuseUpgrade(wsi, tooManyConnections("too many connections for this user"))
        }
        let upgrade = PendingUpgrade(claims: claims, peerAddress: address)
        handshakes[wsi.key] = upgrade
        takeCapPlaces(CapKeys(address: address, user: claims.map(CapKeys.userKey)))
        return 0
    }

    private func audit(_ request: LWSRequest, _ name: String, metadata: [String: String]) {
        guard let auditor else { return }
        let address = clientAddress(request)
        auditor.record(
            SecurityEvent(
                name: name,
                outcome: "denied",
                metadata: metadata,
                clientIP: address,
                userAgent: request.header(WSI_TOKEN_HTTP_USER_AGENT),
                aggregationKey: address
            )
        )
    }

    private func tooManyConnections(_ message: String) -> HTTPResponse {
        .error(429, code: "too_many_connections", message: message, headers: [("retry-after", "10")])
    }

    /// Counts a connection (or handshake in progress) against every cap.
    private func takeCapPlaces(_ keys: CapKeys) {
        openConnectionCount += 1
        connectionsPerIP[keys.address, default: 0] += 1
        if let user = keys.user {
            connectionsPerUser[user, default: 0] += 1
            userCountChanged(user)
        }
    }

    /// Gives back what `takeCapPlaces` took.
    func releaseCapPlaces(_ keys: CapKeys) {
        openConnectionCount -= 1
        Self.decrement(&connectionsPerIP, keys.address)
        if let user = keys.user {
            Self.decrement(&connectionsPerUser, user)
            userCountChanged(user)
        }
    }

    private static func decrement(_ counts: inout [String: Int], _ key: String) {
        let remaining = counts[key, default: 0] - 1
        counts[key] = remaining > 0 ? remaining : nil
    }

    private func isAllowed(origin: String?, present: Bool) -> Bool {
        guard present else { return config.webSocket.allowMissingOrigin }
        guard let origin, let normalised = Origin.normalise(origin) else { return false }
        return config.webSocket.allowedOrigins.contains(normalised)
    }

    /// Answers a refused upgrade with a real HTTP status and JSON body, then drops the connection.
    /// lws has no writeable step before an upgrade is accepted, so this is the one place that
    /// writes inline, as `lws_return_http_status` does; the status line is written by hand
    /// because lws would answer an upgrade request as HTTP/1.0.
    private func refuseUpgrade(_ wsi: OpaquePointer, _ response: HTTPResponse) -> Int32 {
        writeWholeAnswer(wsi, response)
        return 1
    }

    /// An upgrade lws would make on its own. Only WebSocket is served: lws 4.1 would also take a
    /// plaintext request to HTTP/2 (`Upgrade: h2c`), where webhook headers do not reach the
    /// bridge and its own error paths are open to floods, so that is refused with a 400. A
    /// positive return tells lws the answer is written.
    func confirmUpgrade(_ wsi: OpaquePointer, to name: String) -> Int32 {
        guard name.lowercased() != "websocket" else { return 0 }
        let message = "upgrading to \(name.prefix(40)) is not supported; send HTTP/1.1 without Upgrade"
        writeWholeAnswer(wsi, .error(400, code: "upgrade_not_supported", message: message))
        return 1
    }

    /// lws turns a `CONNECT` request into a raw socket with no timeout; the bridge tunnels
    /// nothing, so it answers 405 and closes.
    func refuseTunnel(_ wsi: OpaquePointer) -> Int32 {
        writeWholeAnswer(wsi, .methodNotAllowed("GET, HEAD, POST", use: "GET, HEAD or POST; CONNECT is not served"))
        return -1
    }

    /// Writes `response` as one block of bytes (status line, headers, body) ending the
    /// connection, for states in which lws's header helpers cannot be used.
    private func writeWholeAnswer(_ wsi: OpaquePointer, _ response: HTTPResponse) {
        var head = "HTTP/1.1 \(response.status) \(HTTPStatusText.reason(response.status))\r\n"
        head += "content-type: application/json\r\ncontent-length: \(response.body.count)\r\n"
        head += "cache-control: no-store\r\nconnection: close\r\n"
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        let frame = SharedFrame(payload: Array(head.utf8) + response.body)
        _ = lws_write(wsi, frame.payload, frame.count, LWS_WRITE_HTTP_HEADERS)
    }
}

// WebSocket on the loop: the upgrade gate, client messages, fan-out and the send queue.

import BridgeCore
import CLibWebSockets
import Foundation

extension Server {
    /// The upgrade request, before lws answers it. Non-zero refuses the upgrade.
    func filterUpgrade(_ wsi: OpaquePointer) -> Int32 {
        let request = LWSRequest(wsi: wsi)
        let path = request.header(WSI_TOKEN_GET_URI) ?? ""
        guard path == "/ws" else {
            return refuseUpgrade(wsi, .error(404, code: "not_found", message: "WebSocket endpoint is /ws"))
        }
        if draining {
            return refuseUpgrade(wsi, .unavailable("the server is shutting down", retryAfter: 5))
        }
        guard openConnectionCount < config.webSocket.maxConnections else {
            return refuseUpgrade(wsi, .unavailable("too many connections", retryAfter: 5))
        }
        guard isAllowed(origin: request.header(WSI_TOKEN_ORIGIN), present: request.hasHeader(WSI_TOKEN_ORIGIN)) else {
            return refuseUpgrade(wsi, .error(403, code: "origin_not_allowed", message: "origin not allowed"))
        }
        var claims: JWTClaims?
        if let token = request.queryArgument("access_token") {
            do {
                claims = try jwt.verify(token, now: Clock.unixSeconds())
            } catch {
                logger.debug("websocket token rejected", (Logger.Key.reason, error.code.rawValue))
                return refuseUpgrade(wsi, .error(401, code: "unauthorized", message: error.message))
            }
        }
        handshakes[wsi.key] = .some(claims)
        openConnectionCount += 1
        return 0
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
        var head = "HTTP/1.1 \(response.status) \(HTTPStatusText.reason(response.status))\r\n"
        head += "content-type: application/json\r\ncontent-length: \(response.body.count)\r\n"
        head += "cache-control: no-store\r\nconnection: close\r\n"
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        let frame = SharedFrame(payload: Array(head.utf8) + response.body)
        _ = lws_write(wsi, frame.payload, frame.count, LWS_WRITE_HTTP_HEADERS)
        return 1
    }

    /// The upgrade succeeded.
    func established(_ wsi: OpaquePointer) -> Int32 {
        guard let entry = handshakes.removeValue(forKey: wsi.key) else { return -1 }
        nextConnectionID += 1
        let now = Clock.monotonic()
        let connection = ClientConnection(
            id: nextConnectionID,
            wsi: wsi,
            peerAddress: LWSRequest(wsi: wsi).peerAddress,
            claims: entry,
            now: now,
            authTimeout: Double(config.webSocket.authTimeoutSeconds)
        )
        connections[wsi.key] = connection
        connectionsByID[connection.id] = connection
        if entry == nil { unauthenticated.insert(connection.id) }
        logger.debug("websocket connected", (Logger.Key.connection, String(connection.id)))
        return 0
    }

    /// A piece of a client message.
    func receive(_ wsi: OpaquePointer, _ chunk: UnsafeRawBufferPointer) -> Int32 {
        guard let connection = connections[wsi.key], connection.closing == nil else { return 0 }
        let expected = connection.incoming.count + chunk.count + Int(lws_remaining_packet_payload(wsi))
        guard expected <= config.webSocket.maxMessageBytes else {
            connection.incoming = []
            close(connection, .messageTooBig, "message exceeds \(config.webSocket.maxMessageBytes) bytes")
            return 0
        }
        connection.incoming.append(contentsOf: chunk)
        guard lws_is_final_fragment(wsi) != 0, lws_remaining_packet_payload(wsi) == 0 else { return 0 }
        let message = connection.incoming
        connection.incoming = []
        if lws_frame_is_binary(wsi) != 0 {
            send(connection, ServerMessage.error(.badMessage, message: "binary messages are not accepted"))
        } else {
            handleMessage(connection, message)
        }
        return 0
    }

    private func handleMessage(_ connection: ClientConnection, _ bytes: [UInt8]) {
        guard JSONNesting.isWithin(bytes) else {
            send(connection, ServerMessage.error(.badMessage, message: "message nests too deeply"))
            return
        }
        let message: ClientMessage
        do {
            message = try ClientMessage.parse(bytes)
        } catch {
            send(connection, ServerMessage.error(.badMessage, message: error.message))
            return
        }
        switch message {
        case .ping(let id):
            send(connection, ServerMessage.pong(id: id))
        case .auth(let token):
            authenticate(connection, token: token)
        case .subscribe(let request):
            guard let claims = connection.claims else { return notAuthenticated(connection) }
            guard let room = Room(clientName: request.room, orgID: claims.orgID, userID: claims.subject) else {
                let text = "room is not one of org, user or order:<id>"
                send(connection, ServerMessage.error(.forbiddenRoom, message: text, room: request.room))
                return
            }
            subscribe(connection, RoomSubscription(room: room, types: request.types.map(Set.init)))
        case .unsubscribe(let name):
            guard let claims = connection.claims else { return notAuthenticated(connection) }
            if let room = Room(clientName: name, orgID: claims.orgID, userID: claims.subject) {
                rooms.unsubscribe(connection.id, from: room)
            }
            send(connection, ServerMessage.unsubscribed(room: name))
        }
    }

    private func notAuthenticated(_ connection: ClientConnection) {
        send(connection, ServerMessage.error(.notAuthenticated, message: "send an auth message first"))
    }

    private func authenticate(_ connection: ClientConnection, token: String) {
        let claims: JWTClaims
        do {
            claims = try jwt.verify(token, now: Clock.unixSeconds())
        } catch {
            logger.debug(
                "websocket auth rejected",
                (Logger.Key.connection, String(connection.id)),
                (Logger.Key.reason, error.code.rawValue)
            )
            close(connection, .authenticationFailed, "authentication failed")
            return
        }
        if let current = connection.claims, current.subject != claims.subject || current.orgID != claims.orgID {
            let text = "a refreshed token must name the same user and organisation"
            send(connection, ServerMessage.error(.identityMismatch, message: text))
            return
        }
        connection.claims = claims
        unauthenticated.remove(connection.id)
        send(connection, ServerMessage.authenticated(userID: claims.subject, orgID: claims.orgID, expiresAt: claims.expiresAt))
    }

    private func subscribe(_ connection: ClientConnection, _ subscription: RoomSubscription) {
        let orgID = subscription.room.orgID
        if let seq = latestSeqs[orgID] {
            activate(connection, subscription, seq: seq)
            return
        }
        connection.pendingSubscriptions.append(subscription)
        waitingForSeq[orgID, default: []].append(connection.id)
        guard seqRequests.insert(orgID).inserted else { return }
        let store = self.store
        let inbox = self.inbox
        storeReads.async {
            inbox.post(.latestSeq(orgID: orgID, seq: try? store.latestSeq(orgID: orgID)))
        }
    }

    /// An organisation's latest `seq` arrived from the store.
    func seqLoaded(orgID: String, seq: Int64?) {
        seqRequests.remove(orgID)
        if let seq { latestSeqs[orgID] = max(latestSeqs[orgID] ?? 0, seq) }
        for id in waitingForSeq.removeValue(forKey: orgID) ?? [] {
            guard let connection = connectionsByID[id] else { continue }
            let pending = connection.pendingSubscriptions.filter { $0.room.orgID == orgID }
            connection.pendingSubscriptions.removeAll { $0.room.orgID == orgID }
            for subscription in pending {
                if let current = latestSeqs[orgID] {
                    activate(connection, subscription, seq: current)
                } else {
                    let text = "the event store is unavailable; subscribe again later"
                    send(connection, ServerMessage.error(.unavailable, message: text, room: subscription.room.clientName))
                }
            }
        }
    }

    private func activate(_ connection: ClientConnection, _ subscription: RoomSubscription, seq: Int64) {
        guard rooms.subscribe(connection.id, to: subscription) else {
            let text = "at most \(RoomIndex.maxRoomsPerConnection) rooms per connection"
            send(connection, ServerMessage.error(.tooManyRooms, message: text, room: subscription.room.clientName))
            return
        }
        send(connection, ServerMessage.subscribed(room: subscription.room, seq: seq))
    }

    /// Fans a committed event out to every connection that should hear it, once each.
    func deliver(_ broadcast: Broadcast) {
        latestSeqs[broadcast.orgID] = max(latestSeqs[broadcast.orgID] ?? 0, broadcast.seq)
        let recipients = rooms.recipients(of: broadcast.messageType, in: broadcast.frames.map(\.room))
        for (id, room) in recipients {
            guard let connection = connectionsByID[id],
                let frame = broadcast.frames.first(where: { $0.room == room })?.frame
            else { continue }
            send(connection, frame)
        }
    }

    func send(_ connection: ClientConnection, _ payload: [UInt8]) {
        send(connection, SharedFrame(payload: payload))
    }

    func send(_ connection: ClientConnection, _ frame: SharedFrame) {
        guard connection.closing == nil else { return }
        guard connection.enqueue(frame, limit: config.webSocket.maxQueueBytes) else {
            close(connection, .tryAgainLater, "send queue overflow")
            return
        }
        lws_callback_on_writable(connection.wsi)
    }

    /// Marks a connection for closing with `code`; the close frame goes out at its next writeable callback.
    func close(_ connection: ClientConnection, _ code: CloseCode, _ reason: String) {
        guard connection.closing == nil else { return }
        connection.closing = (code, reason)
        connection.clearQueue()
        logger.debug(
            "websocket closing",
            (Logger.Key.connection, String(connection.id)),
            (Logger.Key.closeCode, String(code.rawValue))
        )
        lws_callback_on_writable(connection.wsi)
    }

    /// Writes one queued frame, or the close frame.
    func webSocketWriteable(_ wsi: OpaquePointer) -> Int32 {
        guard let connection = connections[wsi.key] else { return 0 }
        if let closing = connection.closing {
            var reason = Array(closing.reason.utf8.prefix(120))
            reason.withUnsafeMutableBufferPointer { storage in
                lws_close_reason(
                    wsi,
                    lws_close_status(rawValue: UInt32(closing.code.rawValue)),
                    storage.baseAddress,
                    storage.count
                )
            }
            return -1
        }
        guard let frame = connection.dequeue() else { return 0 }
        guard lws_write(wsi, frame.payload, frame.count, LWS_WRITE_TEXT) >= 0 else { return -1 }
        if connection.hasQueuedFrames { lws_callback_on_writable(wsi) }
        return 0
    }

    /// The connection is gone.
    func closed(_ wsi: OpaquePointer) {
        guard let connection = connections.removeValue(forKey: wsi.key) else { return }
        connectionsByID[connection.id] = nil
        unauthenticated.remove(connection.id)
        rooms.remove(connection.id)
        openConnectionCount -= 1
        logger.debug("websocket closed", (Logger.Key.connection, String(connection.id)))
    }

    /// Timer work, four times a second.
    func tick() {
        let now = Clock.monotonic()
        for id in unauthenticated {
            guard let connection = connectionsByID[id], now >= connection.authDeadline else { continue }
            unauthenticated.remove(id)
            close(connection, .authenticationTimeout, "authentication timeout")
        }
        if draining { checkDrained(now: now) }
    }

    /// Starts a graceful shutdown: refuse new work, close clients with 1001.
    func beginDrain() {
        guard !draining else { return }
        draining = true
        drainDeadline = Clock.monotonic() + Double(shutdownTimeoutSeconds)
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

/// Appends one header to an lws header buffer.
enum HeaderWriter {
    static func add(
        _ wsi: OpaquePointer,
        name: String,
        value: String,
        cursor: inout UnsafeMutablePointer<UInt8>?,
        end: UnsafeMutablePointer<UInt8>
    ) -> Bool {
        let nameBytes = Array((name + ":").utf8) + [0]
        let valueBytes = Array(value.utf8)
        return nameBytes.withUnsafeBufferPointer { namePointer in
            valueBytes.withUnsafeBufferPointer { valuePointer in
                guard let nameBase = namePointer.baseAddress else { return false }
                return lws_add_http_header_by_name(
                    wsi,
                    nameBase,
                    valuePointer.baseAddress,
                    Int32(valuePointer.count),
                    &cursor,
                    end
                ) == 0
            }
        }
    }
}

// WebSocket on the loop: opening, client messages, fan-out, the send queue and closing.

import BridgeCore
import CLibWebSockets
import Foundation

extension Server {
    /// The upgrade succeeded.
    func established(_ wsi: OpaquePointer) -> Int32 {
        guard let upgrade = handshakes.removeValue(forKey: wsi.key) else { return -1 }
        nextConnectionID += 1
        let connection = ClientConnection(
            id: nextConnectionID,
            wsi: wsi,
            upgrade: upgrade,
            now: Clock.monotonic(),
            authTimeout: Double(config.webSocket.authTimeoutSeconds)
        )
        connections[wsi.key] = connection
        connectionsByID[connection.id] = connection
        counters.connectionsAccepted += 1
        if upgrade.claims == nil { unauthenticated.insert(connection.id) }
        logger.debug("websocket connected", (Logger.Key.connection, String(connection.id)))
        return 0
    }

    /// A pong (or any frame) proves the peer is alive.
    func peerAlive(_ wsi: OpaquePointer) {
        connections[wsi.key]?.lastFrameAt = Clock.monotonic()
    }

    /// A piece of a client message.
    func receive(_ wsi: OpaquePointer, _ chunk: UnsafeRawBufferPointer) -> Int32 {
        guard let connection = connections[wsi.key], connection.closing == nil else { return 0 }
        let now = Clock.monotonic()
        connection.lastFrameAt = now
        // The rest of the frame is the peer's claim, up to 2^63 - 1 bytes: compared, never added.
        let limit = config.webSocket.maxMessageBytes
        let received = connection.incoming.count + chunk.count
        guard received <= limit, lws_remaining_packet_payload(wsi) <= limit - received else {
            connection.incoming = []
            counters.messageTooBig += 1
            close(connection, .messageTooBig, "message exceeds \(limit) bytes")
            return 0
        }
        connection.incoming.append(contentsOf: chunk)
        guard lws_is_final_fragment(wsi) != 0, lws_remaining_packet_payload(wsi) == 0 else { return 0 }
        let message = connection.incoming
        connection.incoming = []
        connection.lastMessageAt = now
        counters.messagesIn += 1
        let isBinary = lws_frame_is_binary(wsi) != 0
        // Checked here rather than by lws so the close is counted and the whole reassembled
        // message is judged, fragments included.
        guard isBinary || String(validating: message, as: UTF8.self) != nil else {
            counters.invalidUTF8 += 1
            close(connection, .invalidPayload, "text message is not valid UTF-8")
            return 0
        }
        let user = connection.claims.map(CapKeys.userKey)
        switch budget.charge(connection: connection.id, user: user, now: now, userCost: messageCost(for: user)) {
        case .allow:
            break
        case .reject:
            counters.rateLimited += 1
            send(connection, ServerMessage.error(.rateLimited, message: "too many messages; slow down"))
            return 0
        case .close:
            counters.rateLimitCloses += 1
            auditor?.record(
                SecurityEvent(
                    name: "WS_RATE_LIMIT_CLOSED",
                    outcome: "denied",
                    actor: connection.claims.map {
                        SecurityActor(userID: $0.subject, orgID: $0.orgID, role: $0.role.rawValue)
                    },
                    clientIP: connection.peerAddress,
                    aggregationKey: connection.peerAddress
                )
            )
            close(connection, .policyViolation, "rate limit exceeded")
            return 0
        }
        if isBinary {
            counters.badMessages += 1
            send(connection, ServerMessage.error(.badMessage, message: "binary messages are not accepted"))
        } else {
            handleMessage(connection, message)
        }
        return 0
    }

    private func handleMessage(_ connection: ClientConnection, _ bytes: [UInt8]) {
        guard JSONNesting.isWithin(bytes) else {
            counters.badMessages += 1
            send(connection, ServerMessage.error(.badMessage, message: "message nests too deeply"))
            return
        }
        let message: ClientMessage
        do {
            message = try ClientMessage.parse(bytes)
        } catch {
            counters.badMessages += 1
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
                counters.forbiddenRooms += 1
                let text = "room is not one of org, user or order:<id>"
                send(connection, ServerMessage.error(.forbiddenRoom, message: text, room: request.room))
                return
            }
            let subscription = RoomSubscription(room: room, types: request.types.map(Set.init))
            subscribe(
                connection,
                SubscribeRequest(subscription: subscription, since: request.since, snapshot: request.snapshot)
            )
        case .unsubscribe(let name):
            guard let claims = connection.claims else { return notAuthenticated(connection) }
            if let room = Room(clientName: name, orgID: claims.orgID, userID: claims.subject) {
                rooms.unsubscribe(connection.id, from: room)
                connection.replays[room] = nil
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
            counters.authFailed += 1
            auditor?.record(
                SecurityEvent(
                    name: "WS_AUTH_FAILED",
                    outcome: "denied",
                    metadata: ["reason": error.code.rawValue, "stage": "message"],
                    clientIP: connection.peerAddress,
                    aggregationKey: connection.peerAddress
                )
            )
            close(connection, .authenticationFailed, "authentication failed")
            return
        }
        if let current = connection.claims {
            guard current.subject == claims.subject, current.orgID == claims.orgID else {
                let text = "a refreshed token must name the same user and organisation"
                send(connection, ServerMessage.error(.identityMismatch, message: text))
                return
            }
        } else {
            // The first auth of a connection that upgraded without a token: the user cap applies now.
            let user = CapKeys.userKey(claims)
            guard clusterConnections(of: user) < config.webSocket.maxConnectionsPerUser else {
                counters.userCapRejected += 1
                close(connection, .tryAgainLater, "too many connections for this user")
                return
            }
            connectionsPerUser[user, default: 0] += 1
            userCountChanged(user)
            connection.userCounted = true
        }
        connection.claims = claims
        connection.refreshDeadline = nil
        unauthenticated.remove(connection.id)
        let reply = ServerMessage.authenticated(
            userID: claims.subject,
            orgID: claims.orgID,
            expiresAt: claims.expiresAt
        )
        send(connection, reply)
    }

    private func subscribe(_ connection: ClientConnection, _ request: SubscribeRequest) {
        let orgID = request.subscription.room.orgID
        if let seq = latestSeqs[orgID] {
            activate(connection, request, seq: seq)
            return
        }
        connection.pendingSubscriptions.append(request)
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
        // The loop's own position wins once it has one: the store may already hold events whose
        // broadcasts are still on their way here, and raising the position past them would drop them.
        if let seq, latestSeqs[orgID] == nil { latestSeqs[orgID] = seq }
        for id in waitingForSeq.removeValue(forKey: orgID) ?? [] {
            guard let connection = connectionsByID[id] else { continue }
            let pending = connection.pendingSubscriptions.filter { $0.subscription.room.orgID == orgID }
            connection.pendingSubscriptions.removeAll { $0.subscription.room.orgID == orgID }
            for request in pending {
                let subscription = request.subscription
                if let current = latestSeqs[orgID] {
                    activate(connection, request, seq: current)
                } else {
                    let text = "the event store is unavailable; subscribe again later"
                    send(
                        connection,
                        ServerMessage.error(.unavailable, message: text, room: subscription.room.clientName)
                    )
                }
            }
        }
    }

    private func activate(_ connection: ClientConnection, _ request: SubscribeRequest, seq: Int64) {
        let subscription = request.subscription
        guard rooms.subscribe(connection.id, to: subscription) else {
            let text = "at most \(RoomIndex.maxRoomsPerConnection) rooms per connection"
            send(connection, ServerMessage.error(.tooManyRooms, message: text, room: subscription.room.clientName))
            return
        }
        send(connection, ServerMessage.subscribed(room: subscription.room, seq: seq))
        startCatchUp(connection, request, latest: seq)
    }

    /// Fans a committed event out to every connection that should hear it, once each.
    /// Call only through `accept`, which keeps each organisation's events in order.
    func deliver(_ broadcast: Broadcast) {
        defer { stageMetrics.observe(.pushed, Clock.monotonic() - broadcast.committedAt) }
        var reached = 0
        defer {
            deliveryObserver?.pushed(eventID: broadcast.eventID, sourceID: broadcast.sourceID, recipients: reached)
        }
        let now = Clock.monotonic()
        let holdAt = fanOutFlush.shouldHold(now: now) ? now : nil
        for group in rooms.recipientGroups(of: broadcast.messageType, in: broadcast.frames.map(\.room)) {
            guard let frame = broadcast.frames.first(where: { $0.room == group.room })?.frame else { continue }
            for id in group.connections {
                guard let connection = connectionsByID[id],
                    !isCoveredByReplay(connection, room: group.room, seq: broadcast.seq)
                else { continue }
                reached += 1
                send(connection, frame, heldAt: holdAt)
            }
        }
        guard reached > 0 else { return }
        if holdAt == nil {
            fanOutFlush.flushedAtOnce(now: now)
        } else {
            fanOutFlush.recordHeldEvent()
        }
    }

    /// The coalescing window ended: requests the writeable callbacks that were held.
    func flushHeldWrites() {
        for id in fanOutFlush.take(now: Clock.monotonic()) {
            guard let connection = connectionsByID[id] else { continue }
            connection.writeHeld = false
            if connection.closing == nil, connection.hasQueuedFrames { lws_callback_on_writable(connection.wsi) }
        }
    }

    /// Delivers an API-produced message to its rooms, once per connection.
    func deliver(_ push: RoomPush) {
        let frame = SharedFrame(payload: push.payload)
        for group in rooms.recipientGroups(of: push.messageType, in: push.rooms) {
            for id in group.connections {
                guard let connection = connectionsByID[id] else { continue }
                send(connection, frame)
            }
        }
    }

    func send(_ connection: ClientConnection, _ payload: [UInt8]) {
        send(connection, SharedFrame(payload: payload))
    }

    /// Queues `frame` and asks for a writeable callback, or, with `heldAt`, leaves the asking
    /// to the end of the fan-out coalescing window.
    func send(_ connection: ClientConnection, _ frame: SharedFrame, heldAt: Double? = nil) {
        guard connection.closing == nil else { return }
        guard let conflated = connection.enqueue(frame, limit: config.webSocket.maxQueueBytes) else {
            counters.slowConsumerCloses += 1
            close(connection, .tryAgainLater, "send queue overflow")
            return
        }
        counters.conflatedFrames += conflated
        guard let heldAt, let serving else {
            lws_callback_on_writable(connection.wsi)
            return
        }
        if !connection.writeHeld {
            connection.writeHeld = true
            fanOutFlush.hold(connection.id, now: heldAt, context: serving.context, owner: serving.owner)
        }
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
        if connection.pingDue {
            // One write per callback: the ping now, queued frames at the next callback.
            connection.pingDue = false
            guard writePing(wsi) >= 0 else { return -1 }
            if connection.hasQueuedFrames { lws_callback_on_writable(wsi) }
            return 0
        }
        let frames = connection.dequeue(maxFrames: CoalescedWrite.maxFrames, maxBytes: CoalescedWrite.maxBytes)
        guard let first = frames.first else { return 0 }
        let written =
            frames.count == 1
            ? lws_write(wsi, first.payload, first.count, LWS_WRITE_TEXT)
            : coalescedWrite.write(frames, to: wsi)
        guard written >= 0 else { return -1 }
        counters.messagesOut += frames.count
        let now = Clock.monotonic()
        for frame in frames {
            if let receivedAt = frame.receivedAt { stageMetrics.observeEndToEnd(now - receivedAt) }
        }
        if connection.hasQueuedFrames { lws_callback_on_writable(wsi) }
        if !connection.replays.isEmpty { resumeWaitingReplays(connection) }
        return 0
    }

    /// The connection is gone.
    func closed(_ wsi: OpaquePointer) {
        guard let connection = connections.removeValue(forKey: wsi.key) else { return }
        connectionsByID[connection.id] = nil
        unauthenticated.remove(connection.id)
        rooms.remove(connection.id)
        budget.remove(connection: connection.id)
        var keys = connection.capKeys
        if keys.user == nil, connection.userCounted, let claims = connection.claims {
            keys.user = CapKeys.userKey(claims)
        }
        releaseCapPlaces(keys)
        connectionDurations.observe(Clock.monotonic() - connection.connectedAt)
        logger.debug("websocket closed", (Logger.Key.connection, String(connection.id)))
    }

    /// The heartbeat ping's payload. lws reports only pongs that carry a payload, and a pong
    /// echoes the ping's.
    static let pingPayload = Array("hb".utf8)

    /// Writes a heartbeat ping frame.
    private func writePing(_ wsi: OpaquePointer) -> Int32 {
        var buffer = [UInt8](repeating: 0, count: bridge_lws_pre + Self.pingPayload.count)
        return buffer.withUnsafeMutableBufferPointer { storage -> Int32 in
            guard let base = storage.baseAddress else { return -1 }
            (base + bridge_lws_pre).update(from: Self.pingPayload, count: Self.pingPayload.count)
            return lws_write(wsi, base + bridge_lws_pre, Self.pingPayload.count, LWS_WRITE_PING)
        }
    }
}

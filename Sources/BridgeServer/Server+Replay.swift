// Resume (`since`) and snapshots: stored events replayed in order, then a seamless switch to live.

import BridgeCore
import CLibWebSockets

extension Server {
    /// Events read from the store per page; small enough that a page never floods a send queue.
    static let replayPageSize = 200

    /// Starts what `request` asks beyond a plain subscription: a snapshot or a replay from `since`.
    func startCatchUp(_ connection: ClientConnection, _ request: SubscribeRequest, latest: Int64) {
        let room = request.subscription.room
        // With `since` the client has a state to resume from; a snapshot would only repeat it.
        if request.snapshot, request.since == nil, case .order(let orgID, let orderID) = room {
            connection.replays[room] = ReplayState(since: latest, after: latest, types: request.subscription.types)
            let store = self.store
            let inbox = self.inbox
            let id = connection.id
            storeReads.async {
                let events = try? store.latestEntities(orgID: orgID, orderID: orderID)
                let frame = events.map {
                    SharedFrame(payload: ServerMessage.snapshot(room: room, seq: latest, events: $0))
                }
                inbox.post(.snapshot(connectionID: id, room: room, frame: frame))
            }
            return
        }
        guard let since = request.since, since < latest else {
            if let since = request.since, since > latest {
                // The client saw a sequence this store never had (a reset database): start over.
                send(connection, ServerMessage.reset(room: room, seq: latest))
            }
            return
        }
        guard latest - since <= Int64(config.replayMaxEvents) else {
            send(connection, ServerMessage.reset(room: room, seq: latest))
            return
        }
        connection.replays[room] = ReplayState(since: since, after: since, types: request.subscription.types)
        requestReplayPage(connection, room: room)
    }

    /// A snapshot arrived: send it, then catch up from the snapshot's `seq` like a resume.
    func snapshotArrived(connectionID: Int, room: Room, frame: SharedFrame?) {
        guard let connection = connectionsByID[connectionID], let state = connection.replays[room] else { return }
        guard let frame else {
            connection.replays[room] = nil
            let text = "the event store is unavailable; subscribe again later"
            send(connection, ServerMessage.error(.unavailable, message: text, room: room.clientName))
            return
        }
        send(connection, frame)
        requestReplayPage(connection, room: room, after: state.after)
    }

    /// Reads the next page off the loop, unless the send queue is too full to take it yet.
    func requestReplayPage(_ connection: ClientConnection, room: Room, after: Int64? = nil) {
        guard var state = connection.replays[room] else { return }
        if let after { state.after = after }
        guard connection.queuedBytes < config.webSocket.maxQueueBytes / 2 else {
            state.waitingForDrain = true
            connection.replays[room] = state
            return
        }
        state.waitingForDrain = false
        connection.replays[room] = state
        let store = self.store
        let inbox = self.inbox
        let id = connection.id
        let from = state.after
        let types = state.types
        let pageSize = Self.replayPageSize
        storeReads.async {
            inbox.post(
                .replayPage(Self.readPage(store, room: room, after: from, types: types, size: pageSize, for: id))
            )
        }
    }

    private static func readPage(
        _ store: any EventStore,
        room: Room,
        after: Int64,
        types: Set<String>?,
        size: Int,
        for connectionID: Int
    ) -> ReplayPage {
        var page = ReplayPage(
            connectionID: connectionID,
            room: room,
            after: after,
            full: false,
            frames: [],
            failed: false
        )
        do {
            let events = try store.events(orgID: room.orgID, afterSeq: after, limit: size)
            page.firstSeq = events.first?.seq
            page.lastSeq = events.last?.seq
            page.full = events.count == size
            for stored in events where belongs(stored, to: room, types: types) {
                guard let seq = stored.seq else { continue }
                page.frames.append((seq, SharedFrame(payload: ServerMessage.event(stored, room: room))))
            }
        } catch {
            page.failed = true
        }
        return page
    }

    private static func belongs(_ stored: StoredEvent, to room: Room, types: Set<String>?) -> Bool {
        if let types, !types.contains(stored.event.entityType.messageType) { return false }
        switch room {
        case .org: return true
        case .order(_, let orderID): return stored.event.orderID == orderID
        case .user: return false
        }
    }

    /// A page arrived: send its events, then ask for more or go live.
    func replayPageArrived(_ page: ReplayPage) {
        guard let connection = connectionsByID[page.connectionID], var state = connection.replays[page.room],
            !state.live, state.after == page.after
        else { return }
        let latest = latestSeqs[page.room.orgID] ?? 0
        if page.failed {
            goLive(connection, page.room, &state, through: latest)
            send(connection, ServerMessage.reset(room: page.room, seq: latest))
            return
        }
        if page.after == state.since, state.since < latest, page.firstSeq != state.since + 1 {
            // The events right after `since` are gone (retention): the client must reload.
            goLive(connection, page.room, &state, through: latest)
            send(connection, ServerMessage.reset(room: page.room, seq: latest))
            return
        }
        state.backlog = page.frames.map(\.frame)
        state.morePages = page.full
        state.sent += page.frames.count
        state.after = page.lastSeq ?? state.after
        connection.replays[page.room] = state
        sendBacklog(connection, room: page.room)
    }

    /// Queues a page's events while the send queue is under half full, the rest after later
    /// writes; then asks for the next page or goes live.
    private func sendBacklog(_ connection: ClientConnection, room: Room) {
        guard var state = connection.replays[room], !state.live else { return }
        let limit = config.webSocket.maxQueueBytes / 2
        var queued = 0
        while queued < state.backlog.count, connection.queuedBytes < limit, connection.closing == nil {
            send(connection, state.backlog[queued])
            queued += 1
        }
        state.backlog.removeFirst(queued)
        connection.replays[room] = state
        guard state.backlog.isEmpty, connection.closing == nil else { return }
        if state.morePages || (latestSeqs[room.orgID] ?? 0) > state.after {
            requestReplayPage(connection, room: room)
        } else {
            goLive(connection, room, &state, through: state.after)
        }
    }

    private func goLive(_ connection: ClientConnection, _ room: Room, _ state: inout ReplayState, through: Int64) {
        state.live = true
        state.through = through
        state.waitingForDrain = false
        connection.replays[room] = state
    }

    /// After a write: a replay that waited for the queue to drain may continue.
    func resumeWaitingReplays(_ connection: ClientConnection) {
        guard connection.queuedBytes < config.webSocket.maxQueueBytes / 2 else { return }
        for (room, state) in connection.replays where !state.live {
            if !state.backlog.isEmpty {
                sendBacklog(connection, room: room)
            } else if state.waitingForDrain {
                requestReplayPage(connection, room: room)
            }
        }
    }

    /// Whether a live event must be held back from `room` of `connection` because of a replay.
    func isCoveredByReplay(_ connection: ClientConnection, room: Room, seq: Int64) -> Bool {
        // Checked for every delivery; most connections have no replay under way.
        guard !connection.replays.isEmpty, let state = connection.replays[room] else { return false }
        if !state.live { return true }
        if seq <= state.through { return true }
        connection.replays[room] = nil
        return false
    }
}

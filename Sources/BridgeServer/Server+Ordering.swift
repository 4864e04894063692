// The per-organisation ordering gate: every event reaches local subscribers once, in seq order,
// whether it was committed here or arrived from another instance through the broker.

import BridgeCore

extension Server {
    /// Events read from the store per back-fill page.
    static let backfillPageSize = 500

    /// Passes `broadcast` through the gate: delivered when it is the next `seq` of its
    /// organisation, dropped when already delivered, held (and the gap back-filled from the
    /// store) when an earlier one is missing.
    func accept(_ broadcast: Broadcast) {
        let orgID = broadcast.orgID
        guard let delivered = latestSeqs[orgID] else {
            // No subscriber has asked about this organisation yet, so nobody here can miss
            // anything before this event: start the organisation's sequence here.
            latestSeqs[orgID] = broadcast.seq
            deliver(broadcast)
            return
        }
        if broadcast.seq <= delivered { return }
        if broadcast.seq == delivered + 1 {
            latestSeqs[orgID] = broadcast.seq
            deliver(broadcast)
            releaseHeld(orgID)
            return
        }
        heldBroadcasts[orgID, default: [:]][broadcast.seq] = broadcast
        requestBackfill(orgID)
    }

    private func releaseHeld(_ orgID: String) {
        while var held = heldBroadcasts[orgID], let delivered = latestSeqs[orgID],
            let next = held.removeValue(forKey: delivered + 1)
        {
            heldBroadcasts[orgID] = held.isEmpty ? nil : held
            latestSeqs[orgID] = next.seq
            deliver(next)
        }
        if let held = heldBroadcasts[orgID], let delivered = latestSeqs[orgID] {
            heldBroadcasts[orgID] = held.filter { $0.key > delivered }
            if heldBroadcasts[orgID]?.isEmpty == true { heldBroadcasts[orgID] = nil }
        }
    }

    /// Reads the events after what this instance delivered for `orgID` from the store.
    func requestBackfill(_ orgID: String) {
        guard let after = latestSeqs[orgID], backfills.insert(orgID).inserted else { return }
        let store = self.store
        let inbox = self.inbox
        let size = Self.backfillPageSize
        storeReads.async {
            let now = Clock.monotonic()
            let page = try? store.events(orgID: orgID, afterSeq: after, limit: size)
            let broadcasts = page?.map { Broadcast($0, receivedAt: now, committedAt: now) }
            inbox.post(.backfill(orgID: orgID, broadcasts: broadcasts, full: (page?.count ?? 0) == size))
        }
    }

    /// A back-fill page arrived: deliver it in order, continue while pages are full.
    func backfillArrived(orgID: String, broadcasts: [Broadcast]?, full: Bool) {
        backfills.remove(orgID)
        guard let broadcasts else {
            logger.warning("back-fill failed; retrying on the next check", ("org.id", orgID))
            return
        }
        for broadcast in broadcasts where broadcast.seq == (latestSeqs[orgID] ?? 0) + 1 {
            latestSeqs[orgID] = broadcast.seq
            deliver(broadcast)
        }
        releaseHeld(orgID)
        if full || heldBroadcasts[orgID] != nil {
            requestBackfill(orgID)
        }
    }

    /// Checks every organisation this instance serves against the store: repairs what a lost
    /// broker message or a broker outage left out. Runs on reconnect and every few seconds.
    func backfillAll() {
        for orgID in latestSeqs.keys { requestBackfill(orgID) }
    }

    /// The broker link changed state.
    func brokerStateChanged(_ state: BrokerState) {
        let previous = brokerState
        brokerState = state
        logger.info("broker state changed", ("broker.state", state.rawValue))
        if state == .connected, previous != .connected {
            backfillAll()
            // Reports sent while the link was down were dropped: tell the others everything again.
            presenceSchedule?.refreshSoon()
        }
    }
}

// Cluster-wide connection counts on the loop: what this instance reports, what it heard from
// the others, and what the per-user cap and message budget make of them.

import BridgeCore

extension Server {
    /// Ticks (a quarter second each) between sweeps of the other instances' expired counts.
    static let presenceExpiryTicks = 20
    /// Ticks between log lines about refused presence reports.
    static let presenceRefusalLogTicks = 240

    /// Connections `user` holds on every instance, this one's handshakes included. Without a
    /// broker, only this instance's. Propagation takes a few hundred milliseconds, so two
    /// instances can both admit a user's last place within that window: the cap is eventually
    /// consistent across instances.
    func clusterConnections(of user: String) -> Int {
        connectionsPerUser[user, default: 0] + clusterPresence.remoteCount(user)
    }

    /// Notes that `user`'s count on this instance changed, for the next presence report.
    func userCountChanged(_ user: String) {
        presenceSchedule?.userChanged(user)
    }

    /// What one message costs `user`'s budget here: 1 on a single instance, more when the user
    /// also holds connections elsewhere, so the budget holds for the cluster as a whole.
    func messageCost(for user: String?) -> Double {
        guard let user, presenceSchedule != nil else { return 1 }
        let local = connectionsPerUser[user, default: 0]
        return MessageBudget.userCost(
            local: local,
            cluster: clusterConnections(of: user),
            maxConnections: config.webSocket.maxConnectionsPerUser
        )
    }

    /// Presence work of one tick: hands due reports to the broker (which publishes them off the
    /// loop), and now and then forgets what the other instances stopped refreshing.
    func presenceTick(now: Double) {
        let open = connections.count
        if let broker, let reports = presenceSchedule?.reports(now: now, connections: open, counts: connectionsPerUser)
        {
            for report in reports { broker.publish(report) }
        }
        if tickCount % Self.presenceExpiryTicks == 0 { clusterPresence.expire(now: now) }
        if tickCount % Self.presenceRefusalLogTicks == 0, presenceRefusals.count > presenceRefusals.logged {
            logger.warning(
                "presence reports refused: too many instances or users",
                (Logger.Key.count, String(presenceRefusals.count - presenceRefusals.logged))
            )
            presenceRefusals.logged = presenceRefusals.count
        }
    }

    /// A presence report arrived from the broker. An instance heard from for the first time
    /// knows nothing of this one's users yet, so they are all sent again soon.
    func presenceArrived(_ report: PresenceReport) {
        let isNewcomer = !clusterPresence.knows(report.instanceID)
        switch clusterPresence.apply(report, now: Clock.monotonic()) {
        case .applied:
            if isNewcomer, !report.isFinal { presenceSchedule?.refreshSoon() }
        case .overLimit:
            presenceRefusals.count += 1
        case .own:
            break
        }
    }
}

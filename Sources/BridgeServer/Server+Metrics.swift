// `GET /metrics`: Prometheus text exposition of counters, gauges and stage latencies.

import BridgeCore

extension Server {
    /// The metrics document. Counter names end in `_total`, durations are in seconds.
    func metricsResponse() -> HTTPResponse {
        let ingest = ingestCounters.snapshot
        let stages = stageMetrics.snapshot()
        var text = PrometheusText()
        text.gauge(
            "bridge_websocket_connections",
            help: "Open WebSocket connections.",
            value: Double(connections.count)
        )
        text.gauge(
            "bridge_websocket_handshakes",
            help: "Upgrades accepted by the filter and not yet established.",
            value: Double(handshakes.count)
        )
        text.gauge("bridge_rooms", help: "Rooms with at least one subscriber.", value: Double(rooms.roomCount))
        text.gauge(
            "bridge_subscriptions",
            help: "Connection-room subscriptions.",
            value: Double(rooms.subscriptionCount)
        )
        text.gauge(
            "bridge_uptime_seconds",
            help: "Seconds since the server started.",
            value: Clock.monotonic() - startedAt
        )
        if broker != nil {
            text.gauge(
                "bridge_cluster_instances",
                help: "Bridge instances heard from through the broker, this one included.",
                value: Double(1 + clusterPresence.remoteInstances)
            )
            text.gauge(
                "bridge_cluster_connections",
                help: "Open WebSocket connections on every instance heard from, this one included.",
                value: Double(connections.count + clusterPresence.remoteConnections)
            )
        }
        text.counter(
            "bridge_websocket_connections_accepted_total",
            help: "WebSocket connections accepted.",
            value: Double(counters.connectionsAccepted)
        )
        text.counter(
            "bridge_websocket_messages_received_total",
            help: "Complete client messages received.",
            value: Double(counters.messagesIn)
        )
        text.counter(
            "bridge_websocket_messages_sent_total",
            help: "Frames written to clients.",
            value: Double(counters.messagesOut)
        )
        text.counter(
            "bridge_websocket_rejections_total",
            help: "WebSocket rejections and forced closes, by reason.",
            label: "reason",
            values: counters.all.map { ($0.0, Double($0.1)) }
        )
        text.counter(
            "bridge_webhooks_received_total",
            help: "Webhook requests received.",
            value: Double(ingest.received)
        )
        text.counter(
            "bridge_webhooks_outcomes_total",
            help: "Webhooks that reached the store, by outcome.",
            label: "outcome",
            values: [
                ("accepted", Double(ingest.accepted)), ("duplicate", Double(ingest.duplicate)),
                ("stale", Double(ingest.stale)), ("conflict", Double(ingest.conflict)),
                ("store_unavailable", Double(ingest.storeUnavailable)),
            ]
        )
        text.counter(
            "bridge_webhooks_rejected_total",
            help: "Webhooks refused before storage, by error code.",
            label: "reason",
            values: ingest.rejected.sorted { $0.key < $1.key }.map { ($0.key, Double($0.value)) }
        )
        text.histogram(
            "bridge_webhook_stage_duration_seconds",
            help: "Time a webhook spends reaching each stage from the previous one.",
            series: stages.stages.map { ([("stage", $0.0.rawValue)], $0.1) }
        )
        text.histogram(
            "bridge_webhook_end_to_end_duration_seconds",
            help: "From webhook body received to a frame written to a subscriber's socket.",
            series: [([], stages.endToEnd)]
        )
        return HTTPResponse(
            status: 200,
            body: Array(text.text.utf8),
            contentType: "text/plain; version=0.0.4; charset=utf-8"
        )
    }
}

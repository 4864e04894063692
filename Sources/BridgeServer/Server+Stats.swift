// `GET /api/stats`: the operator's view of connections, rejections and webhook outcomes.

import BridgeCore
import CLibWebSockets

extension Server {
    /// Version reported by stats and health.
    static let version = "0.1.0"

    /// Who is asking for stats.
    enum StatsReader {
        /// `STATS_TOKEN` (`orgID` nil: the operator, who sees every organisation) or an admin's
        /// token (`orgID` theirs: per-organisation figures of other organisations are left out).
        case allowed(orgID: String?)
        /// A valid token of a user who is not an admin: refused with 403.
        case notAdmin
        /// No bearer token, or one that is neither `STATS_TOKEN` nor a valid JWT: 401.
        case unauthenticated
    }

    /// Reads the request's bearer token against `STATS_TOKEN` and the JWT secret.
    func statsReader(_ request: LWSRequest) -> StatsReader {
        guard let header = request.header(WSI_TOKEN_HTTP_AUTHORIZATION), header.hasPrefix("Bearer ") else {
            return .unauthenticated
        }
        let token = String(header.dropFirst("Bearer ".count))
        if let statsToken = config.statsToken, constantTimeEquals(Array(token.utf8), Array(statsToken.utf8)) {
            return .allowed(orgID: nil)
        }
        guard let claims = try? jwt.verify(token, now: Clock.unixSeconds()) else { return .unauthenticated }
        return claims.role == .admin ? .allowed(orgID: claims.orgID) : .notAdmin
    }

    /// Messages per interval over the last `seconds` seconds of samples (0 before there are two).
    private func rate(
        _ value: KeyPath<(at: Double, messagesIn: Int, messagesOut: Int), Int>,
        over seconds: Int
    ) -> Int64 {
        guard let last = rateSamples.last else { return 0 }
        let first = rateSamples[max(0, rateSamples.count - 1 - seconds)]
        guard last.at > first.at else { return 0 }
        let perSecond = Double(last[keyPath: value] - first[keyPath: value]) / (last.at - first.at)
        return Int64((perSecond * Double(seconds)).rounded())
    }

    /// Adds `outbox` (pending acknowledgements, dead letters) to a stats document, reading the
    /// store; off the loop.
    static func addOutbox(to response: HTTPResponse, store: any EventStore) -> HTTPResponse {
        let engine = (store as? DeliveryOutbox)?.base ?? store
        guard let deliveries = engine as? any DeliveryStore, response.body.last == UInt8(ascii: "}") else {
            return response
        }
        let counts = try? deliveries.deliveryCounts()
        var outbox = JSONText()
        outbox.beginObject()
        outbox.field("available", counts != nil)
        outbox.field("depth", counts.map { Int64($0[.pending] ?? 0) })
        outbox.field("deadLetters", counts.map { Int64($0[.failed] ?? 0) })
        outbox.field("sent", counts.map { Int64($0[.sent] ?? 0) })
        outbox.endObject()
        var updated = response
        updated.body = Array(response.body.dropLast()) + Array(#","outbox":"#.utf8) + outbox.bytes + [UInt8(ascii: "}")]
        return updated
    }

    /// `cluster`: every instance this one knows of, itself included, and their connections.
    private func clusterStats(_ json: inout JSONText) {
        json.key("cluster")
        json.beginObject()
        json.field("instanceId", clusterPresence.localInstanceID)
        json.field("instances", Int64(1 + clusterPresence.remoteInstances))
        json.field("connections", Int64(connections.count + clusterPresence.remoteConnections))
        json.field("broker", brokerState.rawValue)
        json.field("presenceRefused", Int64(presenceRefusals.count))
        json.endObject()
    }

    /// The stats document. With `onlyOrg`, the per-organisation list names that organisation
    /// alone: an organisation's admin must not learn which other organisations use the bridge.
    func statsResponse(onlyOrg: String? = nil) -> HTTPResponse {
        let ingest = ingestCounters.snapshot
        var perOrg: [String: Int] = [:]
        var authenticated = 0
        for connection in connections.values {
            guard let claims = connection.claims else { continue }
            authenticated += 1
            if onlyOrg == nil || onlyOrg == claims.orgID { perOrg[claims.orgID, default: 0] += 1 }
        }
        let topOrgs = perOrg.sorted { $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value }.prefix(20)
        let body = JSONText.object(capacity: 2048) { json in
            json.field("version", Self.version)
            json.field("uptimeSeconds", Int64(Clock.monotonic() - startedAt))
            json.key("connections")
            json.beginObject()
            json.field("current", Int64(connections.count))
            json.field("authenticated", Int64(authenticated))
            json.field("handshaking", Int64(handshakes.count))
            json.field("acceptedTotal", Int64(counters.connectionsAccepted))
            json.key("perOrg")
            json.beginArray()
            for (orgID, count) in topOrgs {
                json.beginObject()
                json.field("orgId", orgID)
                json.field("connections", Int64(count))
                json.endObject()
            }
            json.endArray()
            json.endObject()
            json.field("rooms", Int64(rooms.roomCount))
            json.field("subscriptions", Int64(rooms.subscriptionCount))
            json.key("messages")
            json.beginObject()
            json.field("inTotal", Int64(counters.messagesIn))
            json.field("outTotal", Int64(counters.messagesOut))
            json.field("inPerSecond", rate(\.messagesIn, over: 1))
            json.field("outPerSecond", rate(\.messagesOut, over: 1))
            json.field("inPerMinute", rate(\.messagesIn, over: 60))
            json.field("outPerMinute", rate(\.messagesOut, over: 60))
            json.endObject()
            json.key("connectionDurationSeconds")
            json.beginObject()
            json.field("closed", Int64(connectionDurations.count))
            let average =
                connectionDurations.count == 0 ? 0 : connectionDurations.sum / Double(connectionDurations.count)
            json.field("average", Int64(average.rounded()))
            json.field("p99AtMost", connectionDurations.estimate(quantile: 0.99).map { $0.isFinite ? Int64($0) : -1 })
            json.endObject()
            json.key("rejections")
            json.beginObject()
            for (name, value) in counters.all { json.field(name, Int64(value)) }
            json.endObject()
            json.key("webhooks")
            json.beginObject()
            json.field("received", Int64(ingest.received))
            json.field("accepted", Int64(ingest.accepted))
            json.field("duplicate", Int64(ingest.duplicate))
            json.field("stale", Int64(ingest.stale))
            json.field("conflict", Int64(ingest.conflict))
            json.field("storeUnavailable", Int64(ingest.storeUnavailable))
            json.key("rejected")
            json.beginObject()
            for (code, count) in ingest.rejected.sorted(by: { $0.key < $1.key }) { json.field(code, Int64(count)) }
            json.endObject()
            json.endObject()
            json.key("store")
            json.beginObject()
            json.field("engine", store.engine)
            json.field("status", ingest.storeAvailable ? "ok" : "unavailable")
            json.endObject()
            json.key("broker")
            json.beginObject()
            json.field("status", brokerState.rawValue)
            json.endObject()
            if broker != nil { clusterStats(&json) }
        }
        return HTTPResponse(status: 200, body: body)
    }
}

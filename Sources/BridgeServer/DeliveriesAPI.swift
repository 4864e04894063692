// `GET /api/deliveries` and `POST /api/deliveries/{id}/retry`: the acknowledgement outbox for admins.

import BridgeCore

/// The dead letters (and the rest) of an organisation's acknowledgement outbox, for its admins:
/// `GET /api/deliveries?status=failed&limit=` lists rows newest first, and
/// `POST /api/deliveries/{id}/retry` makes a failed row pending again with a fresh attempt
/// budget. Rows are those of events of the caller's organisation only. Retries and refusals
/// are audited.
public struct DeliveriesAPI: APIHandler {
    /// Default page size.
    public static let defaultLimit = 100
    /// Largest page size.
    public static let maxLimit = 1000

    static let path = "/api/deliveries"
    static let retrySuffix = "/retry"

    private let store: any DeliveryStore
    private let authenticator: BearerAuthenticator
    private let auditor: (any SecurityAuditing)?
    private let logger: Logger
    private let clock: @Sendable () -> Int64

    /// The routes backed by `store`, checking tokens with `jwt`; `clock` gives Unix milliseconds.
    public init(
        store: any DeliveryStore,
        jwt: JWTCodec,
        auditor: (any SecurityAuditing)?,
        logger: Logger,
        clock: @escaping @Sendable () -> Int64
    ) {
        self.store = store
        self.authenticator = BearerAuthenticator(codec: jwt, clock: clock)
        self.auditor = auditor
        self.logger = logger
        self.clock = clock
    }

    /// Answers the outbox routes; nil for any other path.
    public func handle(_ request: APIRequest) -> APIResult? {
        if request.path == Self.path {
            guard request.method == "GET" else { return NotificationsAPI.methodNotAllowed("GET") }
            return authorised(request) { claims in list(request, claims) }
        }
        guard let id = Self.retryTarget(request.path) else {
            return nil
        }
        guard request.method == "POST" else { return NotificationsAPI.methodNotAllowed("POST") }
        return authorised(request) { claims in retry(id, request, claims) }
    }

    /// The id in `/api/deliveries/{id}/retry`, when `path` is that route: 1 to 256 printable
    /// ASCII characters without `/`.
    static func retryTarget(_ path: String) -> String? {
        let start = Self.path + "/"
        guard path.hasPrefix(start), path.hasSuffix(Self.retrySuffix),
            path.utf8.count > start.utf8.count + Self.retrySuffix.utf8.count
        else {
            return nil
        }
        let id = path.dropFirst(start.count).dropLast(Self.retrySuffix.count)
        let valid = id.utf8.count <= 256 && id.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }
        return valid ? String(id) : nil
    }

    /// Runs `body` for an admin's verified claims; answers 401 or 403 otherwise.
    private func authorised(_ request: APIRequest, _ body: (JWTClaims) -> APIResult) -> APIResult {
        switch authenticator.authenticate(request) {
        case .success(let claims):
            guard claims.role == .admin else {
                denied(request, actor: claims.securityActor, status: 403, reason: "forbidden")
                return .error(403, code: "forbidden", message: "only admins of the organisation may manage deliveries")
            }
            return body(claims)
        case .failure(let refusal):
            auditor?.record(request.securityEvent("DELIVERIES_DENIED", outcome: "denied", metadata: refusal.metadata))
            return refusal.result
        }
    }

    private func list(_ request: APIRequest, _ claims: JWTClaims) -> APIResult {
        var status: DeliveryStatus?
        if let text = request.query["status"] {
            guard let parsed = DeliveryStatus(rawValue: text) else {
                denied(request, actor: claims.securityActor, status: 400, reason: "invalid_query")
                let message = "`status` must be pending, sent or failed"
                return .error(400, code: "invalid_query", message: message, field: "status")
            }
            status = parsed
        }
        guard let limit = request.limit(fallback: Self.defaultLimit, maximum: Self.maxLimit) else {
            denied(request, actor: claims.securityActor, status: 400, reason: "invalid_query")
            let message = "`limit` must be a whole number from 1 to \(Self.maxLimit)"
            return .error(400, code: "invalid_query", message: message, field: "limit")
        }
        let rows: [Delivery]
        do {
            rows = try store.deliveries(orgID: claims.orgID, status: status, limit: limit)
        } catch {
            return unavailable(request, error)
        }
        var json = JSONText(capacity: 512 * max(1, rows.count))
        json.beginObject()
        json.key("deliveries")
        json.beginArray()
        for row in rows {
            row.writeJSON(into: &json)
        }
        json.endArray()
        json.endObject()
        return APIResult(status: 200, body: json.bytes)
    }

    private func retry(_ id: String, _ request: APIRequest, _ claims: JWTClaims) -> APIResult {
        let actor = claims.securityActor
        let scheduled: Bool
        let row: Delivery?
        do {
            scheduled = try store.retryDelivery(id: id, orgID: claims.orgID, nowMillis: clock())
            row = try store.delivery(id: id, orgID: claims.orgID)
        } catch {
            return unavailable(request, error)
        }
        guard let row else {
            denied(request, actor: actor, status: 404, reason: "not_found", target: id)
            return .error(404, code: "not_found", message: "no delivery with that id in your organisation")
        }
        guard scheduled else {
            denied(request, actor: actor, status: 409, reason: "not_failed", target: id)
            return .error(409, code: "not_failed", message: "only failed deliveries can be retried")
        }
        auditor?.record(request.securityEvent("DELIVERY_RETRIED", outcome: "allowed", actor: actor, targets: [id]))
        var json = JSONText(capacity: 512)
        json.beginObject()
        json.key("delivery")
        row.writeJSON(into: &json)
        json.endObject()
        return APIResult(status: 202, body: json.bytes)
    }

    private func denied(
        _ request: APIRequest,
        actor: SecurityActor,
        status: Int,
        reason: String,
        target: String? = nil
    ) {
        auditor?.record(
            request.securityEvent(
                "DELIVERIES_DENIED",
                outcome: "denied",
                actor: actor,
                targets: target.map { [$0] } ?? [],
                metadata: ["reason": reason, "status": String(status)]
            )
        )
    }

    private func unavailable(_ request: APIRequest, _ error: any Error) -> APIResult {
        logger.error(
            "delivery outbox not reachable",
            (Logger.Key.requestID, request.requestID),
            (Logger.Key.error, String(describing: error))
        )
        return NotificationsAPI.unavailable()
    }
}

// `GET /api/notifications` and `POST /api/notifications/{id}/read`: a user's own notifications.

import BridgeCore

extension NotificationsAPI {
    /// Handles `GET /api/notifications?limit=&cursor=`: `{"notifications":[…],"nextCursor"}`.
    func list(_ request: APIRequest) -> APIResult {
        let claims: JWTClaims
        switch authenticator.authenticate(request) {
        case .success(let verified):
            claims = verified
        case .failure(let refusal):
            audit(request.securityEvent("NOTIFICATIONS_LIST_DENIED", outcome: "denied", metadata: refusal.metadata))
            return refusal.result
        }
        let actor = claims.securityActor
        let refuse = { (field: String, message: String) -> APIResult in
            let metadata = ["reason": "invalid_query", "status": "400", "field": field]
            audit(
                request.securityEvent("NOTIFICATIONS_LIST_DENIED", outcome: "denied", actor: actor, metadata: metadata)
            )
            return .error(400, code: "invalid_query", message: message, field: field)
        }
        guard let limit = request.limit(fallback: Self.defaultLimit, maximum: Self.maxLimit) else {
            return refuse("limit", "`limit` must be a whole number from 1 to \(Self.maxLimit)")
        }
        var cursor: NotificationCursor?
        if let token = request.query["cursor"] {
            guard let decoded = NotificationCursor(token: token) else {
                return refuse("cursor", "`cursor` must be a `nextCursor` value from an earlier page")
            }
            cursor = decoded
        }

        let listings: [NotificationListing]
        do {
            // One more than asked shows whether another page follows.
            listings = try store.notifications(
                orgID: claims.orgID,
                userID: claims.subject,
                after: cursor,
                limit: limit + 1
            )
        } catch {
            logger.error(
                "notifications not read",
                (Logger.Key.requestID, request.requestID),
                (Logger.Key.error, String(describing: error))
            )
            return Self.unavailable()
        }
        let page = listings.prefix(limit)
        let next = listings.count > limit ? page.last.map { NotificationCursor(after: $0.notification).token } : nil
        audit(
            request.securityEvent(
                "NOTIFICATIONS_LISTED",
                outcome: "allowed",
                actor: actor,
                metadata: ["status": "200", "resultCount": String(page.count)],
                aggregationKey: "\(claims.orgID)/\(claims.subject)"
            )
        )
        var json = JSONText(capacity: 1024)
        json.beginObject()
        json.key("notifications")
        json.beginArray()
        for listing in page {
            listing.write(into: &json)
        }
        json.endArray()
        json.field("nextCursor", next)
        json.endObject()
        return APIResult(status: 200, body: json.bytes)
    }

    /// Handles `POST /api/notifications/{id}/read`: `200` with the notification and its read
    /// time, `404` when it is not the caller's (the same answer as for an unknown id, so ids
    /// of other users and organisations cannot be probed).
    func markRead(_ request: APIRequest, id: String) -> APIResult {
        let claims: JWTClaims
        switch authenticator.authenticate(request) {
        case .success(let verified):
            claims = verified
        case .failure(let refusal):
            audit(request.securityEvent("NOTIFICATION_READ_DENIED", outcome: "denied", metadata: refusal.metadata))
            return refusal.result
        }
        let actor = claims.securityActor
        var listing: NotificationListing?
        // An id no notification can have is simply not the caller's.
        if PayloadValidator.isValidIdentifier(id) {
            do {
                listing = try store.markNotificationRead(
                    id: id,
                    orgID: claims.orgID,
                    userID: claims.subject,
                    atMillis: clock()
                )
            } catch {
                logger.error(
                    "notification read not stored",
                    (Logger.Key.requestID, request.requestID),
                    (Logger.Key.error, String(describing: error))
                )
                return Self.unavailable()
            }
        }
        guard let listing else {
            audit(
                request.securityEvent(
                    "NOTIFICATION_READ_DENIED",
                    outcome: "denied",
                    actor: actor,
                    targets: [String(id.prefix(PayloadValidator.maxIDLength))],
                    metadata: ["reason": "not_found", "status": "404"],
                    // Probing many ids leaves one record a minute per user, plus the count.
                    aggregationKey: "\(claims.orgID)/\(claims.subject)|not_found"
                )
            )
            return .error(404, code: "not_found", message: "no such notification")
        }
        audit(
            request.securityEvent(
                "NOTIFICATION_READ",
                outcome: "allowed",
                actor: actor,
                targets: [id],
                metadata: ["status": "200", "notificationId": id]
            )
        )
        return APIResult(status: 200, body: listing.readerJSON)
    }
}

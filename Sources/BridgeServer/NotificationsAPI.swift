// `/api/notifications`: org admins send notifications; every user lists and marks their own.

import BridgeCore

/// The notification routes:
/// - `POST /api/notifications`: an admin sends a notification to users of their organisation
///   or to all of it; stored, pushed to the rooms, answered `201`.
/// - `GET /api/notifications?limit=&cursor=`: the caller's notifications, newest first.
/// - `POST /api/notifications/{id}/read`: marks one of the caller's notifications read.
///
/// Every attempt, allowed or refused, is reported to the auditor.
public struct NotificationsAPI: APIHandler {
    /// Default page size of the list.
    public static let defaultLimit = 20
    /// Largest page size of the list.
    public static let maxLimit = 100

    static let collectionPath = "/api/notifications"

    let store: any NotificationStore
    let authenticator: BearerAuthenticator
    let crypto: any CryptoProvider
    let auditor: (any SecurityAuditing)?
    let logger: Logger
    let clock: @Sendable () -> Int64

    /// Routes backed by `store`, checking tokens with `jwt`; `crypto` draws notification ids
    /// and `clock` gives Unix milliseconds.
    public init(
        store: any NotificationStore,
        jwt: JWTCodec,
        crypto: any CryptoProvider,
        auditor: (any SecurityAuditing)?,
        logger: Logger,
        clock: @escaping @Sendable () -> Int64
    ) {
        self.store = store
        self.authenticator = BearerAuthenticator(codec: jwt, clock: clock)
        self.crypto = crypto
        self.auditor = auditor
        self.logger = logger
        self.clock = clock
    }

    /// Answers the notification routes; nil for any other path.
    public func handle(_ request: APIRequest) -> APIResult? {
        if request.path == Self.collectionPath {
            switch request.method {
            case "POST": return create(request)
            case "GET": return list(request)
            default: return Self.methodNotAllowed("GET, POST")
            }
        }
        guard request.path.hasPrefix(Self.collectionPath + "/") else { return nil }
        guard let id = Self.notificationID(inReadPath: request.path) else {
            return .error(404, code: "not_found", message: "no such endpoint")
        }
        guard request.method == "POST" else { return Self.methodNotAllowed("POST") }
        return markRead(request, id: id)
    }

    /// Handles `POST /api/notifications`.
    private func create(_ request: APIRequest) -> APIResult {
        let claims: JWTClaims
        switch authenticator.authenticate(request) {
        case .success(let verified):
            claims = verified
        case .failure(let refusal):
            audit(request.securityEvent("NOTIFICATION_DENIED", outcome: "denied", metadata: refusal.metadata))
            return refusal.result
        }
        let actor = claims.securityActor
        guard claims.role == .admin else {
            let metadata = ["reason": "forbidden", "status": "403"]
            audit(request.securityEvent("NOTIFICATION_DENIED", outcome: "denied", actor: actor, metadata: metadata))
            return .error(403, code: "forbidden", message: "only admins of the organisation may send notifications")
        }

        let draft: NotificationDraft
        do {
            draft = try NotificationDraft.parse(request.body, orgID: claims.orgID)
        } catch {
            var metadata = ["reason": error.code.rawValue, "status": "400"]
            metadata["field"] = error.field
            metadata["titleLength"] = error.titleLength.map(String.init)
            metadata["targetCount"] = error.targetCount.map(String.init)
            metadata["title"] = error.title
            audit(request.securityEvent("NOTIFICATION_DENIED", outcome: "denied", actor: actor, metadata: metadata))
            return .error(400, code: error.code.rawValue, message: error.message, field: error.field)
        }

        let notification = NotificationRecord(
            id: UUIDv4.make(crypto: crypto),
            draft: draft,
            orgID: claims.orgID,
            createdBy: claims.subject,
            createdAtMillis: clock()
        )
        var metadata = [
            "notificationId": notification.id,
            "titleLength": String(draft.title.unicodeScalars.count),
            "targetCount": String(draft.targetUserIDs.count),
            "audience": notification.isOrgWide ? "org" : "users",
            "title": draft.title,
        ]
        do {
            try store.insertNotification(notification)
        } catch {
            logger.error(
                "notification not stored",
                (Logger.Key.requestID, request.requestID),
                (Logger.Key.error, String(describing: error))
            )
            metadata["reason"] = "store_unavailable"
            metadata["status"] = "503"
            audit(request.securityEvent("NOTIFICATION_FAILED", outcome: "failed", actor: actor, metadata: metadata))
            return Self.unavailable()
        }
        metadata["status"] = "201"
        audit(
            request.securityEvent(
                "NOTIFICATION_CREATED",
                outcome: "allowed",
                actor: actor,
                targets: notification.targetUserIDs,
                metadata: metadata
            )
        )
        let push = RoomPush(
            rooms: notification.rooms,
            messageType: NotificationRecord.messageType,
            payload: notification.pushMessage
        )
        return APIResult(status: 201, body: notification.senderJSON, pushes: [push])
    }

    /// Hands `event` to the auditor, if there is one.
    func audit(_ event: SecurityEvent) {
        auditor?.record(event)
    }

    /// The `{id}` of `/api/notifications/{id}/read`, when the path has that shape; the id
    /// itself is checked later, so that a malformed one is answered (and audited) as unknown.
    static func notificationID(inReadPath path: String) -> String? {
        let rest = path.dropFirst(collectionPath.count + 1)
        let suffix = "/read"
        guard rest.hasSuffix(suffix) else { return nil }
        let id = rest.dropLast(suffix.count)
        guard !id.isEmpty, !id.contains("/") else { return nil }
        return String(id)
    }

    /// `405` naming the methods the path takes.
    static func methodNotAllowed(_ allowed: String) -> APIResult {
        var result = APIResult.error(405, code: "method_not_allowed", message: "use \(allowed)")
        result.headers.append(("allow", allowed))
        return result
    }

    /// `503` asking the client to retry shortly.
    static func unavailable() -> APIResult {
        var result = APIResult.error(503, code: "unavailable", message: "the store is unavailable; retry later")
        result.headers.append(("retry-after", "1"))
        return result
    }
}

extension BearerAuthenticator.Refusal {
    /// The audit metadata of a refused token.
    var metadata: [String: String] {
        ["reason": reason, "status": "401"]
    }
}

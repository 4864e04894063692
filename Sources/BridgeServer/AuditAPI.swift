// `GET /api/audit`: an organisation's audit records, for its admins.

import BridgeCore
import Foundation

/// `GET /api/audit?limit=&cursor=`: the caller's organisation's audit records, newest first,
/// for admins only. Every attempt is itself audited.
public struct AuditAPI: APIHandler {
    /// Default page size.
    public static let defaultLimit = 50
    /// Largest page size.
    public static let maxLimit = 200

    static let path = "/api/audit"

    private let store: any AuditStore
    private let authenticator: BearerAuthenticator
    private let auditor: (any SecurityAuditing)?
    private let logger: Logger

    /// The route backed by `store`, checking tokens with `jwt`; `clock` gives Unix milliseconds.
    public init(
        store: any AuditStore,
        jwt: JWTCodec,
        auditor: (any SecurityAuditing)?,
        logger: Logger,
        clock: @escaping @Sendable () -> Int64
    ) {
        self.store = store
        self.authenticator = BearerAuthenticator(codec: jwt, clock: clock)
        self.auditor = auditor
        self.logger = logger
    }

    /// Answers `/api/audit`; nil for any other path.
    public func handle(_ request: APIRequest) -> APIResult? {
        guard request.path == Self.path else { return nil }
        guard request.method == "GET" else { return NotificationsAPI.methodNotAllowed("GET") }

        let claims: JWTClaims
        switch authenticator.authenticate(request) {
        case .success(let verified):
            claims = verified
        case .failure(let refusal):
            auditor?.record(request.securityEvent("AUDIT_LOG_DENIED", outcome: "denied", metadata: refusal.metadata))
            return refusal.result
        }
        let actor = claims.securityActor
        let deny = { (status: Int, reason: String, field: String?) in
            var metadata = ["reason": reason, "status": String(status)]
            metadata["field"] = field
            auditor?.record(
                request.securityEvent("AUDIT_LOG_DENIED", outcome: "denied", actor: actor, metadata: metadata)
            )
        }
        guard claims.role == .admin else {
            deny(403, "forbidden", nil)
            return .error(403, code: "forbidden", message: "only admins of the organisation may read its audit log")
        }
        guard let limit = request.limit(fallback: Self.defaultLimit, maximum: Self.maxLimit) else {
            deny(400, "invalid_query", "limit")
            let message = "`limit` must be a whole number from 1 to \(Self.maxLimit)"
            return .error(400, code: "invalid_query", message: message, field: "limit")
        }
        var cursor: AuditCursor?
        if let token = request.query["cursor"] {
            guard let decoded = AuditCursor(token: token) else {
                deny(400, "invalid_query", "cursor")
                let message = "`cursor` must be a `nextCursor` value from an earlier page"
                return .error(400, code: "invalid_query", message: message, field: "cursor")
            }
            cursor = decoded
        }

        let entries: [AuditEntry]
        do {
            entries = try store.auditEntries(orgID: claims.orgID, beforeID: cursor?.beforeID, limit: limit + 1)
        } catch {
            logger.error(
                "audit log not read",
                (Logger.Key.requestID, request.requestID),
                (Logger.Key.error, String(describing: error))
            )
            return NotificationsAPI.unavailable()
        }
        let page = entries.prefix(limit)
        let next = entries.count > limit ? page.last.map { AuditCursor(beforeID: $0.id).token } : nil
        auditor?.record(
            request.securityEvent(
                "AUDIT_LOG_READ",
                outcome: "allowed",
                actor: actor,
                metadata: ["status": "200", "resultCount": String(page.count)]
            )
        )
        return APIResult(status: 200, body: Self.body(page, nextCursor: next))
    }

    /// `{"records":[{"id","hash","prevHash","record"}],"nextCursor"}`.
    private static func body(_ entries: ArraySlice<AuditEntry>, nextCursor: String?) -> [UInt8] {
        var json = JSONText(capacity: 512 * max(1, entries.count))
        json.beginObject()
        json.key("records")
        json.beginArray()
        for entry in entries {
            json.beginObject()
            json.field("id", entry.id)
            json.field("hash", entry.hash)
            json.field("prevHash", entry.prevHash)
            json.key("record")
            // The stored text is embedded as JSON only when it parses: a row edited into
            // something else must not corrupt the answer.
            if isJSONObject(entry.record) {
                json.raw(entry.record)
            } else {
                json.string(nil)
            }
            json.endObject()
        }
        json.endArray()
        json.field("nextCursor", nextCursor)
        json.endObject()
        return json.bytes
    }

    private static func isJSONObject(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard JSONNesting.isWithin(bytes), let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        else {
            return false
        }
        return value.objectValue != nil
    }
}

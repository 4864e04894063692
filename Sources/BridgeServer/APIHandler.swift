// The contract between the loop and the JSON APIs that run off it (notifications, audit, deliveries).

import BridgeCore

/// One `/api/...` request, copied off the lws connection so a handler can run on any thread.
public struct APIRequest: Sendable {
    /// `GET`, `POST`, …
    public var method: String
    /// The path without the query string, e.g. `/api/notifications/abc/read`.
    public var path: String
    /// Decoded query arguments; the last value wins for repeated names.
    public var query: [String: String]
    /// The `Authorization` header, if any.
    public var authorization: String?
    /// The `User-Agent` header, if any (untrusted; escape before logging).
    public var userAgent: String?
    /// The client's address: the peer, or the `X-Forwarded-For` hop a trusted proxy reported.
    public var clientIP: String
    /// The request id echoed in `x-request-id`.
    public var requestID: String
    /// The request body (empty for GET).
    public var body: [UInt8]

    /// Bundles the facts of one request.
    public init(
        method: String,
        path: String,
        query: [String: String],
        authorization: String?,
        userAgent: String?,
        clientIP: String,
        requestID: String,
        body: [UInt8]
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.authorization = authorization
        self.userAgent = userAgent
        self.clientIP = clientIP
        self.requestID = requestID
        self.body = body
    }

    /// The bearer token of the `Authorization` header, if it has one.
    public var bearerToken: String? {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return nil }
        let token = authorization.dropFirst("Bearer ".count)
        return token.isEmpty ? nil : String(token)
    }
}

/// What a handler answers: the HTTP response and any messages to push.
public struct APIResult: Sendable {
    /// The HTTP status.
    public var status: Int
    /// The JSON body.
    public var body: [UInt8]
    /// Extra response headers.
    public var headers: [(String, String)]
    /// Messages for WebSocket rooms, pushed after the answer is queued.
    public var pushes: [RoomPush]

    /// An answer with a JSON body.
    public init(status: Int, body: [UInt8], headers: [(String, String)] = [], pushes: [RoomPush] = []) {
        self.status = status
        self.body = body
        self.headers = headers
        self.pushes = pushes
    }

    /// A `{"error":{"code","message","field"?}}` answer.
    public static func error(_ status: Int, code: String, message: String, field: String? = nil) -> APIResult {
        let response = HTTPResponse.error(status, code: code, message: message, field: field)
        return APIResult(status: status, body: response.body)
    }
}

/// A group of `/api/...` routes. Handlers run on a background queue, never on the loop, and
/// may block on the database.
public protocol APIHandler: Sendable {
    /// Answers `request`, or returns nil when the path is not one of this handler's routes.
    func handle(_ request: APIRequest) -> APIResult?
}

// An HTTP answer with a JSON body, and the deferred form that travels back to the loop.

import BridgeCore

/// A complete HTTP answer.
struct HTTPResponse: Sendable {
    var status: Int
    var body: [UInt8]
    var headers: [(String, String)] = []
    var contentType = "application/json"
    /// The `error.code` of an error answer, for counting rejections by reason.
    var errorCode: String?
    /// Close the connection after answering, because the request body was not read.
    var closeAfter = false

    /// A `{"error":{"code","message","field"?}}` answer.
    static func error(
        _ status: Int,
        code: String,
        message: String,
        field: String? = nil,
        headers: [(String, String)] = []
    ) -> HTTPResponse {
        let body = JSONText.object { json in
            json.key("error")
            json.beginObject()
            json.field("code", code)
            json.field("message", message)
            if let field { json.field("field", field) }
            json.endObject()
        }
        var response = HTTPResponse(status: status, body: body, headers: headers)
        response.errorCode = code
        return response
    }

    /// `405 method_not_allowed`, naming in `Allow` the methods the path takes (RFC 9110).
    static func methodNotAllowed(_ methods: String, use hint: String) -> HTTPResponse {
        .error(405, code: "method_not_allowed", message: "use \(hint)", headers: [("allow", methods)])
    }

    /// A 503 that asks the caller to retry after `seconds`.
    static func unavailable(_ message: String, retryAfter seconds: Int = 1) -> HTTPResponse {
        error(503, code: "unavailable", message: message, headers: [("retry-after", String(seconds))])
    }
}

/// An answer for a request that was parked while other threads worked on it.
struct DeferredReply: Sendable {
    /// Which connection, and which request on it (a keep-alive connection carries several).
    var exchange: ExchangeKey
    var response: HTTPResponse
}

/// Identifies one HTTP request: the lws connection and a per-process request number.
struct ExchangeKey: Hashable, Sendable {
    var connection: UInt
    var request: Int
}

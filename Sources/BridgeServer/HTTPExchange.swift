// One HTTP request on the loop: what was asked, the body so far, and the answer to write.

/// Loop-confined state of one HTTP request.
final class HTTPExchange {
    /// Where the answer is in being written.
    enum Phase {
        /// Reading the request (body chunks may still come).
        case receiving
        /// Parked while another thread works; the answer arrives through the inbox.
        case waiting
        /// The answer is known; it goes out, headers and body in one write, at the next
        /// writeable callback.
        case answering(HTTPResponse)
    }

    let key: ExchangeKey
    /// The lws connection; valid while the exchange is in `Server.exchanges`.
    let wsi: OpaquePointer
    let requestID: String
    let path: String
    var phase = Phase.receiving
    /// When the headers were in (`Clock.monotonic()`); the body must follow within
    /// `HTTP_BODY_TIMEOUT_S`.
    let startedAt = Clock.monotonic()
    /// lws has reported the body complete (it does so once, even for a request without a body).
    var bodyReported = false
    /// Bytes came in behind this request before its answer went out (a pipelined request):
    /// the answer closes the connection, and the client sends what it queued on a new one.
    var pipelined = false
    /// The `Server.serviceTurn` of lws's latest repeated report of the body.
    var repeatTurn: UInt64?
    /// A `HEAD` request: the answer's headers are sent, its body never is.
    var isHead = false
    var body: [UInt8] = []
    /// An answer decided before the body was read; the body is discarded and this is sent
    /// once it has been (so the connection can stay open).
    var earlyResponse: HTTPResponse?
    /// The webhook source this request posts to, once routed.
    var sourceID: String?
    var webhookID: String?
    var timestamp: String?
    var signature: String?
    var clientIP = ""
    var userAgent: String?
    /// Set for `/api/...` requests that go to an `APIHandler` once the body is in.
    var api: APIRequest?

    init(key: ExchangeKey, wsi: OpaquePointer, requestID: String, path: String) {
        self.key = key
        self.wsi = wsi
        self.requestID = requestID
        self.path = path
    }
}

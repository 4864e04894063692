// HTTP on the loop: routing, request bodies, deferred answers and writing them out.

import BridgeCore
import CLibWebSockets
import Foundation

extension Server {
    /// A new HTTP request (headers parsed). Returns non-zero to drop the connection.
    func httpRequest(_ wsi: OpaquePointer, path: String) -> Int32 {
        let request = LWSRequest(wsi: wsi)
        nextRequestNumber += 1
        let exchange = HTTPExchange(
            key: ExchangeKey(connection: wsi.key, request: nextRequestNumber),
            wsi: wsi,
            requestID: requestIDPrefix + "-" + String(nextRequestNumber, radix: 16),
            path: path
        )
        exchanges[wsi.key] = exchange
        let method = request.method
        exchange.isHead = method == "HEAD"
        if path.hasPrefix("/webhooks/") {
            if draining {
                // The sender retries elsewhere or later; nothing of this request was stored.
                return respond(exchange, .unavailable("the server is shutting down"), closeBody: method == "POST")
            }
            return webhookRequest(exchange, request: request, method: method)
        }
        if path.hasPrefix("/api/"), !Self.builtInPaths.contains(path) {
            return apiRequest(exchange, request: request, method: method)
        }
        guard method == "GET" || method == "HEAD" else {
            if path.hasPrefix("/api/health") || path == "/api/stats" || path == "/metrics" || path == "/ws" {
                return refuseUnreadBody(exchange, request: request, .methodNotAllowed("GET, HEAD", use: "GET"))
            }
            return refuseUnreadBody(
                exchange,
                request: request,
                .error(404, code: "not_found", message: "no such endpoint")
            )
        }
        switch path {
        case "/api/health/live":
            return respond(exchange, HTTPResponse(status: 200, body: Array(#"{"status":"ok"}"#.utf8)), closeBody: false)
        case "/metrics":
            return respond(exchange, metricsResponse(), closeBody: false)
        case "/api/health", "/api/health/ready":
            guard !draining else {
                return respond(exchange, Self.health(store: nil, draining: true, broker: brokerState), closeBody: false)
            }
            exchange.phase = .waiting
            let store = self.store
            let inbox = self.inbox
            let key = exchange.key
            let draining = self.draining
            let broker = brokerState
            storeReads.async {
                let response = Self.health(store: store, draining: draining, broker: broker)
                inbox.post(.reply(DeferredReply(exchange: key, response: response)))
            }
            return 0
        case "/api/stats":
            let onlyOrg: String?
            switch statsReader(request) {
            case .allowed(let orgID):
                onlyOrg = orgID
            case .notAdmin:
                let response = HTTPResponse.error(403, code: "forbidden", message: "stats are for admins")
                return respond(exchange, response, closeBody: false)
            case .unauthenticated:
                let response = HTTPResponse.error(
                    401,
                    code: "unauthorized",
                    message: "send an admin token or STATS_TOKEN as a bearer token",
                    headers: [("www-authenticate", "Bearer")]
                )
                return respond(exchange, response, closeBody: false)
            }
            // Outbox figures need a database read, so the answer is finished off the loop.
            exchange.phase = .waiting
            let loopPart = statsResponse(onlyOrg: onlyOrg)
            let store = self.store
            let inbox = self.inbox
            let key = exchange.key
            storeReads.async {
                let response = Self.addOutbox(to: loopPart, store: store)
                inbox.post(.reply(DeferredReply(exchange: key, response: response)))
            }
            return 0
        case "/ws":
            return respond(
                exchange,
                .error(
                    426,
                    code: "upgrade_required",
                    message: "GET /ws must be a WebSocket upgrade",
                    headers: [("upgrade", "websocket")]
                ),
                closeBody: false
            )
        default:
            return respond(exchange, .error(404, code: "not_found", message: "no such endpoint"), closeBody: false)
        }
    }

    private func webhookRequest(_ exchange: HTTPExchange, request: LWSRequest, method: String) -> Int32 {
        let sourceID = String(exchange.path.dropFirst("/webhooks/".count))
        guard method == "POST" else {
            return refuseUnreadBody(exchange, request: request, .methodNotAllowed("POST", use: "POST"))
        }
        if request.hasHeader(WSI_TOKEN_HTTP_TRANSFER_ENCODING) {
            // lws 4.1 cannot read chunked bodies; say so instead of dropping the connection.
            return respond(exchange, Self.transferEncodingRefused, closeBody: true)
        }
        guard let lengthText = request.header(WSI_TOKEN_HTTP_CONTENT_LENGTH) else {
            return respond(
                exchange,
                .error(411, code: "length_required", message: "Content-Length is required"),
                closeBody: true
            )
        }
        guard let length = Self.declaredLength(lengthText) else {
            return respond(exchange, Self.badLength, closeBody: true)
        }
        if length > config.webhookMaxBodyBytes {
            let message = "body is larger than \(config.webhookMaxBodyBytes) bytes"
            return refuseUnreadBody(
                exchange,
                request: request,
                .error(413, code: "payload_too_large", message: message)
            )
        }
        // Decided now, sent once the body has been read, so the connection stays usable.
        if config.sources[sourceID] == nil {
            exchange.earlyResponse = .error(404, code: "unknown_source", message: "no webhook source with that id")
        } else if !Self.isJSON(request.header(WSI_TOKEN_HTTP_CONTENT_TYPE)) {
            exchange.earlyResponse = .error(
                415,
                code: "unsupported_media_type",
                message: "Content-Type must be application/json"
            )
        }
        exchange.sourceID = sourceID
        exchange.webhookID = request.customHeader("webhook-id")
        exchange.timestamp = request.customHeader("webhook-timestamp")
        exchange.signature = request.customHeader("webhook-signature")
        exchange.clientIP = clientAddress(request)
        exchange.userAgent = request.header(WSI_TOKEN_HTTP_USER_AGENT)
        exchange.body.reserveCapacity(exchange.earlyResponse == nil ? min(length, Self.reservedBodyBytes) : 0)
        if length == 0 { return httpBodyComplete(exchange.key.connection, exchange) }
        return awaitBody(exchange, request: request)
    }

    /// The body comes next. A client that sent `Expect: 100-continue` waits for a word before
    /// sending it: an answer already decided goes out now, and the connection closes with the
    /// body unsent; otherwise `100 Continue`.
    private func awaitBody(_ exchange: HTTPExchange, request: LWSRequest) -> Int32 {
        guard Self.expectsContinue(request) else { return 0 }
        if let early = exchange.earlyResponse {
            exchange.earlyResponse = nil
            return respond(exchange, early, closeBody: true)
        }
        var buffer = [UInt8](repeating: 0, count: bridge_lws_pre) + Self.continueLine
        let written = buffer.withUnsafeMutableBufferPointer { storage -> Int32 in
            guard let base = storage.baseAddress else { return -1 }
            return lws_write(exchange.wsi, base + bridge_lws_pre, Self.continueLine.count, LWS_WRITE_HTTP_HEADERS)
        }
        return written < 0 ? -1 : 0
    }

    private static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Whether the request's `Expect` asks for `100-continue` (repeated headers arrive joined
    /// by commas, and a value may carry spaces or tabs around it). An HTTP/1.0 client knows no
    /// interim answers, so its expectation is ignored (RFC 9110, 10.1.1); lws, too, takes any
    /// version other than 1.1 for 1.0.
    static func expectsContinue(_ request: LWSRequest) -> Bool {
        guard request.header(WSI_TOKEN_HTTP) == "HTTP/1.1", let value = request.header(WSI_TOKEN_HTTP_EXPECT) else {
            return false
        }
        return value.utf8.split(separator: UInt8(ascii: ",")).contains { item in
            String(decoding: trimmingBlanks(item), as: UTF8.self).lowercased() == "100-continue"
        }
    }

    /// A `Content-Length` value: decimal digits only, with optional spaces or tabs around
    /// them (no sign, no second value); nil otherwise.
    static func declaredLength(_ text: String) -> Int? {
        let digits = trimmingBlanks(Substring(text).utf8)
        // At most 18 digits, so the value cannot overflow.
        guard (1...18).contains(digits.count), digits.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 48) }
    }

    /// `bytes` without the spaces and tabs HTTP allows around a field value or list item.
    /// Byte-wise: Foundation's trimming was 2 % of the loop thread's time in the ingest benchmark.
    static func trimmingBlanks(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }), let last = bytes.lastIndex(where: { !isBlank($0) })
        else { return bytes[bytes.endIndex...] }
        return bytes[first...last]
    }

    /// Most bytes set aside for a body before any of it came: the declared length is the
    /// client's word, and a slow client could otherwise reserve it on many connections.
    static let reservedBodyBytes = 64 * 1024

    /// Largest request body read only to be thrown away.
    static let maxDiscardedBodyBytes = 16 << 20

    /// Refuses a request before its body is read. Closing with the body unread would make the
    /// kernel reset the connection, and a sender still writing its body (most clients write it
    /// all before reading) would see the reset instead of the answer. So a body of a declared
    /// length up to `maxDiscardedBodyBytes` is read and dropped first, and the answer goes out
    /// once it is in, on a connection that stays usable; anything else, and a request whose
    /// client waits (`Expect: 100-continue`) before sending its body, is answered at once and
    /// the connection closed.
    private func refuseUnreadBody(_ exchange: HTTPExchange, request: LWSRequest, _ response: HTTPResponse) -> Int32 {
        guard !Self.expectsContinue(request), !request.hasHeader(WSI_TOKEN_HTTP_TRANSFER_ENCODING),
            let length = request.header(WSI_TOKEN_HTTP_CONTENT_LENGTH).flatMap(Self.declaredLength),
            length > 0, length <= Self.maxDiscardedBodyBytes
        else {
            return respond(exchange, response, closeBody: true)
        }
        exchange.earlyResponse = response
        return 0
    }

    /// Paths the server answers itself; every other `/api/...` path goes to the API handlers.
    static let builtInPaths: Set<String> = ["/api/health", "/api/health/live", "/api/health/ready", "/api/stats"]

    /// The answer to a `Content-Length` that is not one non-negative decimal number (two
    /// headers arrive joined into one value).
    static let badLength = HTTPResponse.error(
        400,
        code: "bad_request",
        message: "Content-Length must be one non-negative decimal number"
    )

    /// The answer to any `Transfer-Encoding`: lws 4.1 cannot read chunked bodies.
    static let transferEncodingRefused = HTTPResponse.error(
        411,
        code: "length_required",
        message: "Transfer-Encoding is not supported; send the body with Content-Length"
    )

    /// Largest accepted API request body, in bytes.
    static let maxAPIBodyBytes = 256 * 1024

    private func apiRequest(_ exchange: HTTPExchange, request: LWSRequest, method: String) -> Int32 {
        exchange.api = APIRequest(
            method: method,
            path: exchange.path,
            query: request.queryArguments(),
            authorization: request.header(WSI_TOKEN_HTTP_AUTHORIZATION),
            userAgent: request.header(WSI_TOKEN_HTTP_USER_AGENT),
            clientIP: clientAddress(request),
            requestID: exchange.requestID,
            body: []
        )
        guard method == "POST" else {
            return dispatchAPI(exchange)
        }
        if request.hasHeader(WSI_TOKEN_HTTP_TRANSFER_ENCODING) {
            return respond(exchange, Self.transferEncodingRefused, closeBody: true)
        }
        var length = 0
        if let lengthText = request.header(WSI_TOKEN_HTTP_CONTENT_LENGTH) {
            guard let declared = Self.declaredLength(lengthText) else {
                return respond(exchange, Self.badLength, closeBody: true)
            }
            length = declared
        }
        guard length <= Self.maxAPIBodyBytes else {
            let message = "body is larger than \(Self.maxAPIBodyBytes) bytes"
            return refuseUnreadBody(
                exchange,
                request: request,
                .error(413, code: "payload_too_large", message: message)
            )
        }
        if length > 0, !Self.isJSON(request.header(WSI_TOKEN_HTTP_CONTENT_TYPE)) {
            exchange.earlyResponse = .error(
                415,
                code: "unsupported_media_type",
                message: "Content-Type must be application/json"
            )
        }
        guard length > 0 else { return dispatchAPI(exchange) }
        exchange.body.reserveCapacity(exchange.earlyResponse == nil ? min(length, Self.reservedBodyBytes) : 0)
        return awaitBody(exchange, request: request)
    }

    private func dispatchAPI(_ exchange: HTTPExchange) -> Int32 {
        guard var pending = exchange.api else { return 0 }
        pending.body = exchange.body
        exchange.body = []
        let request = pending
        exchange.phase = .waiting
        let handlers = apiHandlers
        let inbox = self.inbox
        let key = exchange.key
        apiQueue.async {
            // A plain loop: each handler runs at most once (a lazy `first` would call it twice).
            var result = APIResult.error(404, code: "not_found", message: "no such endpoint")
            for handler in handlers {
                if let answer = handler.handle(request) {
                    result = answer
                    break
                }
            }
            inbox.post(.apiReply(key, result))
        }
        return 0
    }

    /// An API handler finished: its pushes go to this instance's rooms, and through the broker
    /// to every other instance's.
    func apiAnswered(_ key: ExchangeKey, _ result: APIResult) {
        for push in result.pushes {
            deliver(push)
            broker?.publish(push, instanceID: clusterPresence.localInstanceID)
        }
        answer(
            DeferredReply(
                exchange: key,
                response: HTTPResponse(status: result.status, body: result.body, headers: result.headers)
            )
        )
    }

    /// The client's address: the socket peer, unless the peer is a trusted proxy, in which case
    /// the nearest `X-Forwarded-For` hop that is not itself a trusted proxy.
    func clientAddress(_ request: LWSRequest) -> String {
        let peer = request.peerAddress
        guard config.trustedProxies.contains(peer), let forwarded = request.header(WSI_TOKEN_X_FORWARDED_FOR) else {
            return peer
        }
        let hops = forwarded.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() where !hop.isEmpty && !config.trustedProxies.contains(hop) {
            return String(hop.prefix(64))
        }
        return peer
    }

    /// A chunk of request body.
    func httpBody(_ wsi: OpaquePointer, _ chunk: UnsafeRawBufferPointer) -> Int32 {
        guard let exchange = exchanges[wsi.key], case .receiving = exchange.phase else { return 0 }
        guard exchange.earlyResponse == nil else { return 0 }
        let limit = exchange.api == nil ? config.webhookMaxBodyBytes : Self.maxAPIBodyBytes
        guard exchange.body.count + chunk.count <= limit else {
            exchange.earlyResponse = .error(413, code: "payload_too_large", message: "body is too large")
            exchange.body = []
            return 0
        }
        exchange.body.append(contentsOf: chunk)
        return 0
    }

    /// The whole body has arrived.
    ///
    /// lws 4.1 calls this again for a request whose answer is still pending whenever bytes wait
    /// behind it, and keeps calling on every turn of the loop until the answer is out. Serving
    /// pipelined requests that way spins the loop, and a long pipelined burst from a client that
    /// then went away once wedged it for good; so the first answer closes such a connection.
    ///
    /// Once per turn is lws offering those bytes again. Twice in one turn is lws going round
    /// without returning to the loop at all (a request with a body sent in one write behind a
    /// request without one does it), which nothing but closing ends: the connection closes
    /// with the answer unsent. A webhook in that state has already gone to be stored, so its
    /// sender's retry is answered as a duplicate.
    func httpBodyComplete(_ wsi: OpaquePointer) -> Int32 {
        guard let exchange = exchanges[wsi.key] else { return 0 }
        guard !exchange.bodyReported else {
            exchange.pipelined = true
            if exchange.repeatTurn == serviceTurn { return -1 }
            exchange.repeatTurn = serviceTurn
            return 0
        }
        exchange.bodyReported = true
        return httpBodyComplete(wsi.key, exchange)
    }

    private func httpBodyComplete(_ key: UInt, _ exchange: HTTPExchange) -> Int32 {
        guard case .receiving = exchange.phase else { return 0 }
        if let early = exchange.earlyResponse {
            return respond(exchange, early, closeBody: false)
        }
        if exchange.api != nil { return dispatchAPI(exchange) }
        guard let sourceID = exchange.sourceID else { return 0 }
        exchange.phase = .waiting
        ingestCounters.update { $0.received += 1 }
        ingest.submit(
            WebhookJob(
                exchange: exchange.key,
                sourceID: sourceID,
                webhookID: exchange.webhookID,
                timestamp: exchange.timestamp,
                signature: exchange.signature,
                body: exchange.body,
                receivedAtMillis: Clock.unixMillis(),
                receivedAt: Clock.monotonic(),
                requestID: exchange.requestID,
                clientIP: exchange.clientIP,
                userAgent: exchange.userAgent
            )
        )
        exchange.body = []
        return 0
    }

    /// Sets the answer of an exchange and asks lws for a writeable callback.
    /// `closeBody` marks answers sent before a request body was read.
    @discardableResult
    func respond(_ exchange: HTTPExchange, _ response: HTTPResponse, closeBody: Bool) -> Int32 {
        var response = response
        if exchange.sourceID != nil || exchange.path.hasPrefix("/webhooks/"), response.status >= 400,
            case .receiving = exchange.phase
        {
            let code = response.errorCode ?? String(response.status)
            ingestCounters.update {
                $0.received += 1
                $0.rejected[code, default: 0] += 1
            }
        }
        // After a HEAD answer lws would still expect the body its content-length announced, so
        // the connection closes instead of carrying the next request.
        response.closeAfter = response.closeAfter || closeBody || exchange.isHead
        response.headers.append(("x-request-id", exchange.requestID))
        exchange.phase = .answering(response)
        lws_callback_on_writable(exchange.wsi)
        return 0
    }

    /// An answer computed on another thread.
    func answer(_ reply: DeferredReply) {
        guard let exchange = exchanges[reply.exchange.connection], exchange.key == reply.exchange,
            case .waiting = exchange.phase
        else { return }
        respond(exchange, reply.response, closeBody: false)
    }

    /// Writes the pending answer, then readies the connection for its next request or closes it.
    func httpWriteable(_ wsi: OpaquePointer) -> Int32 {
        guard let exchange = exchanges[wsi.key], case .answering(var response) = exchange.phase else { return 0 }
        exchanges[wsi.key] = nil
        response.closeAfter = response.closeAfter || exchange.pipelined
        guard writeAnswer(wsi, response, withBody: !exchange.isHead), !exchange.isHead, !response.closeAfter else {
            return -1
        }
        return lws_http_transaction_completed(wsi) != 0 ? -1 : 0
    }

    /// Writes the status line, the headers and (unless `withBody` is false) the body in one
    /// write: one system call and one writeable callback per answer instead of two each.
    ///
    /// The bytes go out as `LWS_WRITE_HTTP_HEADERS`, which lws sends as they are; what does not
    /// fit the socket lws keeps and sends before the connection's next request or close.
    private func writeAnswer(_ wsi: OpaquePointer, _ response: HTTPResponse, withBody: Bool) -> Bool {
        let headerCapacity = 2048
        let bodyCount = withBody ? response.body.count : 0
        var buffer = [UInt8](repeating: 0, count: bridge_lws_pre + headerCapacity + bodyCount)
        return buffer.withUnsafeMutableBufferPointer { storage -> Bool in
            guard let base = storage.baseAddress else { return false }
            let start = base + bridge_lws_pre
            let headerEnd = start + headerCapacity
            var cursor: UnsafeMutablePointer<UInt8>? = start
            guard
                lws_add_http_common_headers(
                    wsi,
                    UInt32(response.status),
                    response.contentType,
                    lws_filepos_t(response.body.count),
                    &cursor,
                    headerEnd
                ) == 0
            else { return false }
            var headers = response.headers
            headers.append(("cache-control", "no-store"))
            if response.closeAfter { headers.append(("connection", "close")) }
            for (name, value) in headers {
                guard HeaderWriter.add(wsi, name: name, value: value, cursor: &cursor, end: headerEnd) else {
                    return false
                }
            }
            guard lws_finalize_http_header(wsi, &cursor, headerEnd) == 0, var end = cursor else { return false }
            if bodyCount > 0 {
                response.body.withUnsafeBufferPointer { body in
                    guard let bytes = body.baseAddress else { return }
                    end.update(from: bytes, count: bodyCount)
                }
                end += bodyCount
            }
            return lws_write(wsi, start, end - start, LWS_WRITE_HTTP_HEADERS) >= 0
        }
    }

    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = trimmingBlanks(Substring(contentType).utf8.prefix { $0 != UInt8(ascii: ";") })
        let normalised = String(decoding: mediaType, as: UTF8.self).lowercased()
        return normalised == "application/json"
            || (normalised.hasPrefix("application/") && normalised.hasSuffix("+json"))
    }

    /// Readiness: the store answers, the broker (when configured) is connected and the server is
    /// not draining; 503 otherwise.
    static func health(store: (any EventStore)?, draining: Bool, broker: BrokerState) -> HTTPResponse {
        var storeStatus = "ok"
        var status = draining || broker == .disconnected ? 503 : 200
        do {
            try store?.ping()
        } catch {
            storeStatus = "unavailable"
            status = 503
        }
        let body = JSONText.object { json in
            json.field("status", status == 200 ? "ok" : (draining ? "draining" : "degraded"))
            json.field("version", Self.version)
            json.key("store")
            json.beginObject()
            json.field("engine", store?.engine)
            json.field("status", draining ? "closing" : storeStatus)
            json.endObject()
            json.key("broker")
            json.beginObject()
            json.field("status", broker.rawValue)
            json.endObject()
        }
        return HTTPResponse(status: status, body: body)
    }
}

// Every answer code of `POST /webhooks/{sourceId}`, from real requests to the real binary.

import BridgeCore
import Foundation
import Testing

/// The HTTP answer to every kind of webhook request.
@Suite(.serialized)
struct WebhookAnswerTests {
    @Test
    func newEventIsAcceptedWith202() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let response = try WebhookSender(port: server.port).post(NativePayload.order().body)

        #expect(response.status == 202, "\(response.summary)")
        let json = try #require(response.json, "202 body is JSON: \(response.summary)")
        #expect(json["eventId"]?.stringValue?.isEmpty == false)
        #expect(json["seq"]?.integerValue != nil)
        #expect(json["duplicate"]?.boolValue == false)
        try server.expectHealthy()
    }

    @Test
    func keptAliveConnectionCarriesSeveralWebhooks() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let client = TestHTTPClient(port: server.port, keepAlive: true)
        defer { client.disconnect() }
        let body = Array(NativePayload.order().body.utf8)

        for index in 0..<3 {
            let id = "msg_keepalive_\(index)"
            let timestamp = String(Int(Date().timeIntervalSince1970))
            let signature = WebhookSender.signature(
                id: id,
                timestamp: timestamp,
                body: body,
                secret: WebhookSender.secret
            )
            let response = try client.request(
                "POST",
                "/webhooks/shop",
                headers: [
                    ("Content-Type", "application/json"), ("webhook-id", id), ("webhook-timestamp", timestamp),
                    ("webhook-signature", signature),
                ],
                body: body
            )
            #expect(response.status == 202, "request \(index): \(response.summary)")
        }
    }

    @Test
    func repeatedWebhookIDIsADuplicateWithTheFirstAnswer() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let sender = WebhookSender(port: server.port)
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }
        try client.subscribeConfirmed("org")

        let headers = WebhookSender.Headers()
        let first = try sender.deliver(.order(order: "ord_dup"), headers: headers)
        let second = try sender.deliver(.order(order: "ord_dup"), headers: headers)

        #expect(first.response.status == 202)
        #expect(second.response.status == 200, "\(second.response.summary)")
        #expect(second.duplicate)
        #expect(second.eventID == first.eventID)
        #expect(second.seq == first.seq)
        #expect(try client.receiveJSON()["eventId"]?.stringValue == first.eventID)
        let extra = try client.receive(timeout: .milliseconds(500))
        #expect(extra == .timeout, "a duplicate was pushed again: \(extra)")

        // A later event must be the very next frame: nothing from the duplicate slipped in between.
        let later = try sender.deliver(.order(order: "ord_after_dup"))
        #expect(try client.receiveJSON()["eventId"]?.stringValue == later.eventID)
    }

    @Test
    func duplicateIsRecognisedEvenWithAnotherBody() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let sender = WebhookSender(port: server.port)
        let headers = WebhookSender.Headers()
        let first = try sender.deliver(.order(order: "ord_a"), headers: headers)
        let second = try sender.deliver(.order(order: "ord_b"), headers: headers)

        #expect(second.response.status == 200)
        #expect(second.duplicate)
        #expect(second.eventID == first.eventID)
    }

    @Test(arguments: [
        ("truncated object", #"{"entityType":"order","#),
        ("not JSON at all", "hello"),
        ("empty body", ""),
        ("top-level array", #"[{"entityType":"order"}]"#),
        ("top-level string", #""order""#),
        ("trailing garbage", NativePayload.order().body + "}"),
    ])
    func bodyThatIsNotAJSONObjectIsRefusedWith400(_ name: String, _ body: String) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let response = try WebhookSender(port: server.port).post(body)

        #expect(response.status == 400, "\(name): \(response.summary)")
        #expect(response.json?.objectValue != nil, "\(name): error body is a JSON object: \(response.summary)")
        try server.expectHealthy()
    }

    @Test(arguments: SchemaCase.all)
    func schemaViolationIsRefusedWith400NamingTheField(_ schemaCase: SchemaCase) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let response = try WebhookSender(port: server.port).post(schemaCase.payload.body)

        #expect(response.status == 400, "\(response.summary)")
        #expect(response.json?.objectValue != nil, "error body is a JSON object: \(response.summary)")
        #expect(
            response.text.contains(schemaCase.field),
            "error does not name `\(schemaCase.field)`: \(response.summary)"
        )
        try server.expectHealthy()
    }

    @Test(arguments: AcceptedCase.all)
    func validBodyIsAcceptedWith202(_ acceptedCase: AcceptedCase) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let response = try WebhookSender(port: server.port).post(acceptedCase.payload.body)
        #expect(response.status == 202, "\(response.summary)")
    }

    @Test(arguments: SignatureCase.refused)
    func badOrMissingSignatureIsRefusedWith401(_ signatureCase: SignatureCase) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let body = NativePayload.order().body
        let response = try WebhookSender(port: server.port).post(body, headers: signatureCase.headers(for: body))

        #expect(response.status == 401, "\(response.summary)")
        try server.expectHealthy()
    }

    @Test(arguments: SignatureCase.accepted)
    func signatureVariantsTheStandardAllowsAreAccepted(_ signatureCase: SignatureCase) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let body = NativePayload.order().body
        let response = try WebhookSender(port: server.port).post(body, headers: signatureCase.headers(for: body))
        #expect(response.status == 202, "\(response.summary)")
    }

    @Test
    func everyRotatedSecretIsAccepted() throws {
        let old = "whsec_" + Data(repeating: 0x11, count: 24).base64EncodedString()
        let server = try BridgeProcess.start(["WEBHOOK_SECRET_SHOP": "\(old),\(WebhookSender.secret)"])
        defer { server.stop() }

        for secret in [old, WebhookSender.secret] {
            let sender = WebhookSender(port: server.port, secret: secret)
            let response = try sender.post(NativePayload.order().body)
            #expect(response.status == 202, "\(response.summary)")
        }
        let stranger = WebhookSender(
            port: server.port,
            secret: "whsec_" + Data(repeating: 0x22, count: 24).base64EncodedString()
        )
        #expect(try stranger.post(NativePayload.order().body).status == 401)
    }

    @Test
    func unknownSourceIsRefusedWith404() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let response = try WebhookSender(port: server.port, source: "nope").post(NativePayload.order().body)
        #expect(response.status == 404, "\(response.summary)")
        try server.expectHealthy()
    }

    @Test
    func chunkedBodyIsAnsweredWith411() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let body = Array(NativePayload.order().body.utf8)
        let id = "msg_chunked"
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let signature = WebhookSender.signature(id: id, timestamp: timestamp, body: body, secret: WebhookSender.secret)
        let half = body.count / 2
        var request = "POST /webhooks/shop HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        request += "webhook-id: \(id)\r\nwebhook-timestamp: \(timestamp)\r\nwebhook-signature: \(signature)\r\n"
        request += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        var raw = Array(request.utf8)
        raw += Array((String(half, radix: 16) + "\r\n").utf8) + body[..<half] + Array("\r\n".utf8)
        raw += Array((String(body.count - half, radix: 16) + "\r\n").utf8) + body[half...] + Array("\r\n0\r\n\r\n".utf8)

        let response = try TestHTTPClient(port: server.port).sendExpectingMaybeNothing(raw: raw)
        #expect(response?.status == 411, "chunked body answered with \(response?.summary ?? "a closed socket")")
        try server.expectHealthy()
    }

    @Test
    func bodyOverTheLimitIsRefusedWith413() throws {
        let server = try BridgeProcess.start(["WEBHOOK_MAX_BODY_BYTES": "2048"])
        defer { server.stop() }
        let sender = WebhookSender(port: server.port)

        let padding = String(repeating: "x", count: 3000)
        let response = try sender.post(NativePayload.order(data: #"{"note":"\#(padding)"}"#).body)
        #expect(response.status == 413, "\(response.summary)")

        let fitting = Self.payload(ofExactly: 2048)
        #expect(fitting.body.utf8.count == 2048)
        let accepted = try sender.post(fitting.body)
        #expect(accepted.status == 202, "a body of exactly the limit: \(accepted.summary)")
        try server.expectHealthy()
    }

    @Test
    func contentLengthOverTheLimitIsRefusedWith413BeforeTheBodyArrives() throws {
        let server = try BridgeProcess.start(["WEBHOOK_MAX_BODY_BYTES": "2048"])
        defer { server.stop() }
        let body = NativePayload.order().body
        var request = "POST /webhooks/shop HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        request += "webhook-id: msg_lie\r\nwebhook-timestamp: \(Int(Date().timeIntervalSince1970))\r\n"
        request += "webhook-signature: v1,AAAA\r\nContent-Length: 100000000\r\n\r\n\(body)"

        let response = try TestHTTPClient(port: server.port).sendExpectingMaybeNothing(raw: Array(request.utf8))
        #expect(response?.status == 413, "answered with \(response?.summary ?? "a closed socket")")
        try server.expectHealthy()
    }

    /// Most clients write the whole body before reading: a refusal sent while the body is still
    /// coming must not end in a reset that loses it.
    @Test(arguments: [
        ("POST", "/webhooks/shop", 413),
        ("PUT", "/webhooks/shop", 405),
        ("POST", "/api/notifications", 413),
        ("POST", "/metrics", 405),
        ("PATCH", "/nowhere", 404),
    ])
    func aRefusedBodyIsReadSoTheSenderGetsTheAnswer(_ method: String, _ path: String, _ status: Int) throws {
        let server = try BridgeProcess.start(["WEBHOOK_MAX_BODY_BYTES": "2048"])
        defer { server.stop() }
        let client = TestHTTPClient(port: server.port, keepAlive: true, timeout: .seconds(20))
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 4 << 20)

        let refused = try client.request(method, path, headers: [("Content-Type", "application/json")], body: body)
        #expect(refused.status == status, "\(method) \(path): \(refused.summary)")
        #expect(refused.header("connection") != "close", "the body was read, so the connection stays usable")
        let next = try client.get("/api/health/live")
        #expect(next.status == 200, "the next request on the same connection: \(next.summary)")
        try server.expectHealthy()
    }

    @Test(arguments: [Optional("text/plain"), "application/x-www-form-urlencoded", "text/json-ish", nil])
    func bodyNotDeclaredAsJSONIsRefusedWith415(_ contentType: String?) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        var headers = WebhookSender.Headers()
        headers.contentType = contentType
        let response = try WebhookSender(port: server.port).post(NativePayload.order().body, headers: headers)
        #expect(response.status == 415, "\(contentType ?? "no Content-Type"): \(response.summary)")
        try server.expectHealthy()
    }

    @Test
    func jsonContentTypeWithParametersIsAccepted() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        var headers = WebhookSender.Headers()
        headers.contentType = "application/json; charset=utf-8"
        let response = try WebhookSender(port: server.port).post(NativePayload.order().body, headers: headers)
        #expect(response.status == 202, "\(response.summary)")
    }

    @Test(arguments: HostileBody.all)
    func hostileBodyIsRefusedWith400(_ hostile: HostileBody) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let response = try WebhookSender(port: server.port).post(bytes: hostile.bytes)
        #expect(response.status == 400, "\(response.summary)")
        try server.expectHealthy()
    }

    @Test
    func deeplyNestedDataNeverGetsA5xx() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let nested = String(repeating: #"{"a":"#, count: 20_000) + "1" + String(repeating: "}", count: 20_000)
        let response = try WebhookSender(port: server.port).post(
            NativePayload.order().setting("data", json: nested).body
        )
        #expect(response.status < 500, "\(response.summary)")
        try server.expectHealthy()
    }

    private static func payload(ofExactly size: Int) -> NativePayload {
        let empty = NativePayload.order(data: #"{"note":""}"#).body.utf8.count
        let padding = String(repeating: "y", count: max(0, size - empty))
        return NativePayload.order(data: #"{"note":"\#(padding)"}"#)
    }
}

// Posts native order webhooks signed the Standard Webhooks way, with knobs to break any part.

import Foundation

/// Signs bodies as `v1,base64(HMAC-SHA256(secret, id.timestamp.body))` and POSTs them to
/// `/webhooks/<source>` on the server under test.
struct WebhookSender {
    /// The `whsec_` secret every test server has for source `shop`: 32 bytes, base64.
    static let secret = "whsec_" + Data((0..<32).map { UInt8($0 &* 7 &+ 3) }).base64EncodedString()

    /// The server's port.
    var port: UInt16
    /// The source id in the URL path.
    var source = "shop"
    /// The `whsec_` secret to sign with.
    var secret = WebhookSender.secret

    /// Which headers to send and how; each can be removed or replaced to test the refusals.
    struct Headers {
        /// `webhook-id`; nil omits it.
        var id: String? = "msg_" + UUID().uuidString
        /// `webhook-timestamp`; nil omits it.
        var timestamp: String? = String(Int(Date().timeIntervalSince1970))
        /// `webhook-signature` to send instead of the correct one; nil computes the correct one.
        var signature: String?
        /// Omit `webhook-signature` entirely.
        var omitsSignature = false
        /// `Content-Type`; nil omits it.
        var contentType: String? = "application/json"
    }

    /// POSTs `body` with correctly signed headers unless `headers` says otherwise.
    func post(_ body: String, headers: Headers = Headers()) throws -> HTTPResponse {
        try post(bytes: Array(body.utf8), headers: headers)
    }

    /// POSTs raw `bytes` as the body.
    func post(bytes: [UInt8], headers: Headers = Headers()) throws -> HTTPResponse {
        var fields: [(String, String)] = []
        if let contentType = headers.contentType { fields.append(("Content-Type", contentType)) }
        if let id = headers.id { fields.append(("webhook-id", id)) }
        if let timestamp = headers.timestamp { fields.append(("webhook-timestamp", timestamp)) }
        if !headers.omitsSignature {
            let signature =
                headers.signature
                ?? Self.signature(id: headers.id ?? "", timestamp: headers.timestamp ?? "", body: bytes, secret: secret)
            fields.append(("webhook-signature", signature))
        }
        return try TestHTTPClient(port: port).request("POST", "/webhooks/\(source)", headers: fields, body: bytes)
    }

    /// The `v1,<base64>` signature of `id.timestamp.body` under a `whsec_` secret.
    static func signature(id: String, timestamp: String, body: [UInt8], secret: String) -> String {
        let encodedKey = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        let key = Data(base64Encoded: encodedKey).map { Array($0) } ?? []
        let code = TestCrypto.hmacSHA256(key: key, message: Array("\(id).\(timestamp).".utf8) + body)
        return "v1," + Data(code).base64EncodedString()
    }
}

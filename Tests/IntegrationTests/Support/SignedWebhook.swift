// One webhook with a fixed id and body, which a test can send again as the upstream would retry it.

import Foundation

/// A native order webhook for source `shop`. Each send signs it afresh with the current
/// timestamp, so a resend long after the first is still inside the timestamp tolerance and is
/// recognised only by its `webhook-id`.
struct SignedWebhook: Sendable {
    /// `webhook-id`, the same on every send.
    let id: String
    /// The body, the same on every send.
    let body: [UInt8]

    /// A webhook carrying `payload` under a new random id.
    init(_ payload: NativePayload) {
        id = "msg_" + UUID().uuidString
        body = Array(payload.body.utf8)
    }

    /// The request headers for one send, signed with `secret` at `timestamp`.
    func headers(
        timestamp: Int = Int(Date().timeIntervalSince1970),
        secret: String = WebhookSender.secret
    ) -> [(String, String)] {
        let stamp = String(timestamp)
        return [
            ("Content-Type", "application/json"),
            ("webhook-id", id),
            ("webhook-timestamp", stamp),
            ("webhook-signature", WebhookSender.signature(id: id, timestamp: stamp, body: body, secret: secret)),
        ]
    }

    /// POSTs the webhook to `/webhooks/shop` over `client`.
    func send(over client: TestHTTPClient) throws -> HTTPResponse {
        try client.request("POST", "/webhooks/shop", headers: headers(), body: body)
    }

    /// POSTs the webhook once to `port` on a connection of its own.
    func send(to port: UInt16) throws -> HTTPResponse {
        try send(over: TestHTTPClient(port: port))
    }

    /// `count` webhooks for distinct orders named `<prefix>_<n>`, each at version 1.
    static func orders(_ count: Int, prefix: String) -> [SignedWebhook] {
        (0..<count).map { SignedWebhook(.order(order: "\(prefix)_\($0)")) }
    }
}

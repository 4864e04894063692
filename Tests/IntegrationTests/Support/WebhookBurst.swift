// Many signed webhooks posted fast: a few kept-alive connections in parallel, each in order.

import Foundation

/// Posts lanes of payloads, one kept-alive connection and one thread per lane. Events of one lane
/// are posted in order (each waits for the previous answer), so an order whose events share a lane
/// keeps its versions increasing; lanes interleave freely.
enum WebhookBurst {
    /// Bound on posting everything.
    static let timeout: Duration = .seconds(60)

    /// Posts every lane concurrently and returns the `seq` of every accepted event, lane by lane,
    /// in posting order. Throws when any webhook is not accepted with a `seq`.
    static func post(_ lanes: [[NativePayload]], port: UInt16) throws -> [[Int64]] {
        let workers = lanes.enumerated().map { index, lane in
            BackgroundWork("webhook-lane-\(index)") { try postLane(lane, port: port) }
        }
        return try workers.map { try $0.result(within: timeout) }
    }

    /// Starts posting in the background, for tests that read WebSocket messages meanwhile.
    static func start(_ lanes: [[NativePayload]], port: UInt16) -> BackgroundWork<[[Int64]]> {
        BackgroundWork("webhook-burst") { try post(lanes, port: port) }
    }

    private static func postLane(_ lane: [NativePayload], port: UInt16) throws -> [Int64] {
        let client = TestHTTPClient(port: port, keepAlive: true)
        defer { client.disconnect() }
        var seqs: [Int64] = []
        seqs.reserveCapacity(lane.count)
        for payload in lane {
            let response = try post(payload, over: client)
            guard let seq = PushedEvent.acceptedSeq(response) else {
                throw TestClientError.protocolViolation("webhook not accepted with a seq: \(response.summary)")
            }
            seqs.append(seq)
        }
        return seqs
    }

    private static func post(_ payload: NativePayload, over client: TestHTTPClient) throws -> HTTPResponse {
        let body = Array(payload.body.utf8)
        let id = "msg_" + UUID().uuidString
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let signature = WebhookSender.signature(id: id, timestamp: timestamp, body: body, secret: WebhookSender.secret)
        let headers = [
            ("Content-Type", "application/json"),
            ("webhook-id", id),
            ("webhook-timestamp", timestamp),
            ("webhook-signature", signature),
        ]
        return try client.request("POST", "/webhooks/shop", headers: headers, body: body)
    }
}

// What the bridge answered to each webhook a multi-instance test posted, and where it went.

import Foundation

/// One accepted webhook: the id and `seq` the answering instance gave it.
struct PostedEvent: Sendable, Equatable {
    /// `eventId` from the answer.
    var eventID: String
    /// `seq` from the answer.
    var seq: Int64

    /// Posts `count` new order events, cycling through `ports` one webhook at a time
    /// (the first to `ports[0]`, the next to `ports[1]`, …), each answered before the next.
    static func alternating(_ count: Int, ports: [UInt16], prefix: String) throws -> [PostedEvent] {
        var posted: [PostedEvent] = []
        for index in 0..<count {
            let port = ports[index % max(1, ports.count)]
            posted.append(try post(.order(order: "\(prefix)_\(index)"), to: port))
        }
        return posted
    }

    /// Posts one webhook and reads its answer; it must be a new, pushed event.
    static func post(_ payload: NativePayload, to port: UInt16) throws -> PostedEvent {
        let accepted = try WebhookSender(port: port).deliver(payload)
        guard let seq = accepted.seq, !accepted.duplicate, !accepted.stale else {
            throw TestClientError.protocolViolation("webhook was not a new pushed event: \(accepted.response.summary)")
        }
        return PostedEvent(eventID: accepted.eventID, seq: seq)
    }

    /// Posts `count` events to every port at once, one lane (thread) per port; returns all of them.
    static func concurrently(_ count: Int, ports: [UInt16], prefix: String) throws -> [PostedEvent] {
        let lanes = ports.enumerated().map { lane, port in
            BackgroundWork("webhooks-\(lane)") {
                try alternating(count, ports: [port], prefix: "\(prefix)_lane\(lane)")
            }
        }
        var posted: [PostedEvent] = []
        for lane in lanes {
            posted += try lane.result(within: .seconds(60))
        }
        return posted
    }
}

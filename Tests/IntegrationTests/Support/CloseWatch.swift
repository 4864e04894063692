// A subscribed client read on a thread of its own until the server ends its connection, so that
// it answers the close handshake at once, as a browser would, while the test does other things.

import Foundation

/// Takes over a connected client and reads every message until a close frame, the end of the
/// stream, or `bound`; the client must not be used elsewhere afterwards.
final class CloseWatch: @unchecked Sendable {
    /// What the client saw.
    struct Outcome: Sendable {
        /// `seq` of every order event, in arrival order.
        var seqs: [Int64] = []
        /// `eventId` of every order event, in arrival order.
        var eventIDs: [String] = []
        /// What ended the reading: a close frame, `.disconnected`, or `.timeout`.
        var end: TestWebSocket.Message = .timeout
    }

    private let client: TestWebSocket
    private var work: BackgroundWork<Outcome>?

    /// Starts reading `client` at once, for at most `bound`.
    init(_ client: TestWebSocket, name: String, within bound: Duration) {
        self.client = client
        work = BackgroundWork("close-watch-\(name)") { [self] in
            read(until: ContinuousClock.now + bound)
        }
    }

    /// The outcome, once reading has ended (waiting at most `bound` for it).
    func outcome(within bound: Duration) throws -> Outcome {
        guard let work else { throw TestClientError.setup("close watch never started") }
        return try work.result(within: bound)
    }

    private func read(until deadline: ContinuousClock.Instant) -> Outcome {
        var outcome = Outcome()
        defer { client.disconnect() }
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return outcome }
            let message = (try? client.receive(timeout: left)) ?? .disconnected
            switch message {
            case .text(let text):
                // JSONSerialization, not JSONValue: see `PushedEvent` for why bulk reads avoid it.
                guard let event = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                    let seq = (event["seq"] as? NSNumber)?.int64Value, let eventID = event["eventId"] as? String
                else { continue }
                outcome.seqs.append(seq)
                outcome.eventIDs.append(eventID)
            case .binary, .ping, .pong:
                continue
            case .close, .disconnected, .timeout:
                outcome.end = message
                return outcome
            }
        }
    }
}

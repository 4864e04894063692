// Webhooks posted over a few kept-alive connections while the test crashes or stops the server:
// every answer is recorded, and a failed connection ends its lane instead of the test.

import Foundation

/// What became of one webhook of a volley.
struct WebhookAnswer: Sendable, CustomStringConvertible {
    /// The webhook as sent.
    var webhook: SignedWebhook
    /// The HTTP status; nil when no answer came (the connection failed or it was never sent).
    var status: Int?
    /// `eventId` of a 2xx answer.
    var eventID: String?
    /// `seq` of a 2xx answer.
    var seq: Int64?
    /// `duplicate` of a 2xx answer.
    var duplicate = false
    /// The `Retry-After` header.
    var retryAfter: String?

    /// True for a 2xx answer: the bridge said it has the event.
    var isSuccess: Bool { status.map { (200..<300).contains($0) } ?? false }

    var description: String {
        let answer = status.map { "\($0) eventId=\(eventID ?? "-") seq=\(seq.map(String.init) ?? "-")" } ?? "no answer"
        return "\(webhook.id): \(answer)\(duplicate ? " duplicate" : "")"
    }

    /// The answer to `webhook` read out of `response`.
    init(_ webhook: SignedWebhook, response: HTTPResponse?) {
        self.webhook = webhook
        guard let response else { return }
        status = response.status
        retryAfter = response.header("Retry-After")
        let json = response.json
        eventID = json?["eventId"]?.stringValue
        seq = json?["seq"]?.integerValue
        duplicate = json?["duplicate"]?.boolValue ?? false
    }
}

/// Posts webhooks in `lanes` kept-alive connections at once, each lane in order, starting at
/// once in the background. Webhook `i` goes to lane `i % lanes`. A lane whose connection fails
/// records that webhook and every later one of the lane as unanswered and stops.
final class WebhookVolley: @unchecked Sendable {
    /// Bound on the whole volley.
    static let timeout: Duration = .seconds(60)

    private let lock = NSLock()
    private var answeredCount = 0
    private var workers: [BackgroundWork<[(Int, WebhookAnswer)]>] = []

    /// Starts posting `webhooks` to `port`.
    init(_ webhooks: [SignedWebhook], lanes: Int, port: UInt16) {
        let laneCount = max(1, lanes)
        workers = (0..<laneCount).map { lane in
            let indexed = Array(webhooks.enumerated()).filter { $0.offset % laneCount == lane }
            return BackgroundWork("webhook-volley-\(lane)") { [self] in
                postLane(indexed.map { ($0.offset, $0.element) }, port: port)
            }
        }
    }

    /// How many webhooks have been answered so far, whatever the status.
    var answered: Int { lock.withLock { answeredCount } }

    /// Polls every 2 ms until at least `count` answers have come; false when `bound` passes first.
    func waitForAnswers(_ count: Int, within bound: Duration = .seconds(30)) -> Bool {
        let deadline = ContinuousClock.now + bound
        while answered < count {
            guard ContinuousClock.now < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.002)
        }
        return true
    }

    /// Every webhook's answer in the order the webhooks were given, once every lane has ended.
    func answers(within bound: Duration = WebhookVolley.timeout) throws -> [WebhookAnswer] {
        var all: [(Int, WebhookAnswer)] = []
        for worker in workers {
            all += try worker.result(within: bound)
        }
        return all.sorted { $0.0 < $1.0 }.map(\.1)
    }

    private func postLane(_ lane: [(Int, SignedWebhook)], port: UInt16) -> [(Int, WebhookAnswer)] {
        let client = TestHTTPClient(port: port, keepAlive: true)
        defer { client.disconnect() }
        var answers: [(Int, WebhookAnswer)] = []
        var broken = false
        for (index, webhook) in lane {
            guard !broken, let response = try? webhook.send(over: client) else {
                broken = true
                answers.append((index, WebhookAnswer(webhook, response: nil)))
                continue
            }
            answers.append((index, WebhookAnswer(webhook, response: response)))
            lock.withLock { answeredCount += 1 }
        }
        return answers
    }
}

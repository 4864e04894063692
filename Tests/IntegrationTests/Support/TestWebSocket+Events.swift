// Reading a stream of pushed events off a test client, bounded by count and time.

import BridgeCore
import Foundation

extension TestWebSocket {
    /// What a client saw while events were being collected.
    struct EventLog {
        /// `seq` of every event, in arrival order.
        var seqs: [Int64] = []
        /// `eventId` of every event, in arrival order.
        var eventIDs: [String] = []
        /// Every message that was not an order event, and how reading ended if it ended early.
        var other: [String] = []
    }

    /// Reads until `count` events arrived, the connection ends, or `bound` passes.
    func collectEvents(_ count: Int, within bound: Duration = .seconds(20)) -> EventLog {
        var log = EventLog()
        let deadline = ContinuousClock.now + bound
        while log.seqs.count < count {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else {
                log.other.append("timed out after \(log.seqs.count) of \(count) events")
                break
            }
            let message: Message
            do {
                message = try receive(timeout: left)
            } catch {
                log.other.append("read failed: \(error)")
                break
            }
            guard case .text(let text) = message else {
                log.other.append("\(message)")
                if message == .timeout { continue }
                break
            }
            guard let event = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
                let type = event["type"]?.stringValue, type == "order_update" || type == "order_item_update",
                let seq = event["seq"]?.integerValue, let eventID = event["eventId"]?.stringValue
            else {
                log.other.append(String(text.prefix(200)))
                continue
            }
            log.seqs.append(seq)
            log.eventIDs.append(eventID)
        }
        return log
    }

    /// True when nothing arrives for `quiet`; a message or a failure in that time is false.
    func staysQuiet(for quiet: Duration = .milliseconds(500)) -> Bool {
        (try? receive(timeout: quiet)) == .timeout
    }
}

// The few fields of a pushed event that the bulk tests compare, read without `JSONValue`.

import Foundation

/// `type`, `seq`, `orderId` and `version` of one server message.
///
/// Read through `JSONSerialization` because decoding `JSONValue` tries each JSON type in turn
/// and throws for every miss, and Swift Testing records a backtrace for every throw: over
/// thousands of events that costs more CPU than the server under test.
struct PushedEvent: Sendable {
    /// `type`, such as `order_update`.
    var type: String
    /// `seq`, or nil when absent.
    var seq: Int64?
    /// `orderId`, or nil when absent.
    var orderID: String?
    /// `version`, or nil when absent or null.
    var version: Int64?

    /// Reads a message's text; nil when it is not a JSON object with a string `type`.
    init?(_ text: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let type = object["type"] as? String
        else { return nil }
        self.type = type
        seq = (object["seq"] as? NSNumber)?.int64Value
        orderID = object["orderId"] as? String
        version = (object["version"] as? NSNumber)?.int64Value
    }

    /// Reads the `seq` of a webhook's 202 answer.
    static func acceptedSeq(_ response: HTTPResponse) -> Int64? {
        guard response.status == 202 || response.status == 200,
            let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        else { return nil }
        return (object["seq"] as? NSNumber)?.int64Value
    }
}

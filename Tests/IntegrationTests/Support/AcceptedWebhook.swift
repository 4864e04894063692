// The 202/200 answer to a webhook, read into the fields the delivery tests compare against.

import BridgeCore

/// The JSON answer to a webhook that the bridge took (202) or recognised as a duplicate (200).
struct AcceptedWebhook {
    /// The full HTTP response.
    var response: HTTPResponse
    /// `eventId`.
    var eventID: String
    /// `seq`, absent for events that are not pushed.
    var seq: Int64?
    /// `duplicate`.
    var duplicate: Bool
    /// `stale`, false when absent.
    var stale: Bool

    /// Reads the answer; throws when the status is not 200/202 or the body lacks `eventId`.
    init(_ response: HTTPResponse) throws {
        guard response.status == 202 || response.status == 200, let json = response.json,
            let eventID = json["eventId"]?.stringValue
        else {
            throw TestClientError.protocolViolation("webhook not accepted: \(response.summary)")
        }
        self.response = response
        self.eventID = eventID
        self.seq = json["seq"]?.integerValue
        self.duplicate = json["duplicate"]?.boolValue ?? false
        self.stale = json["stale"]?.boolValue ?? false
    }
}

extension WebhookSender {
    /// POSTs `payload` correctly signed and reads the acceptance; throws on any other answer.
    func deliver(_ payload: NativePayload, headers: Headers = Headers()) throws -> AcceptedWebhook {
        try AcceptedWebhook(post(payload.body, headers: headers))
    }
}

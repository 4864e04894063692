// The `delivery.ack` message the bridge sends back to a source, and the headers that sign it.

/// Builds the body and the Standard Webhooks headers of one acknowledgement attempt.
public enum DeliveryAck {
    /// The message's `type`.
    public static let type = "delivery.ack"

    /// `{"type":"delivery.ack","webhookId","eventId","status","recipients","deliveredAt"}`.
    ///
    /// A count the loop never reported is sent as 0: the event reached nobody this instance
    /// knows of.
    public static func body(for delivery: Delivery) -> [UInt8] {
        JSONText.object(capacity: 256) { json in
            json.field("type", type)
            json.field("webhookId", delivery.webhookID)
            json.field("eventId", delivery.eventID)
            json.field("status", delivery.outcome.rawValue)
            json.field("recipients", delivery.recipients ?? 0)
            json.field("deliveredAt", DeliveryCalendar.rfc3339(unixMillis: delivery.deliveredAtMillis))
        }
    }

    /// The request headers of one attempt: the row id as `webhook-id` (the same on every
    /// attempt), a fresh `webhook-timestamp`, and a signature made with the source's first secret.
    public static func headers(
        for delivery: Delivery,
        body: [UInt8],
        nowSeconds: Int64,
        signer: StandardWebhookVerifier
    ) -> [(name: String, value: String)] {
        let timestamp = String(nowSeconds)
        return [
            ("content-type", "application/json"),
            ("webhook-id", delivery.id),
            ("webhook-timestamp", timestamp),
            ("webhook-signature", signer.sign(id: delivery.id, timestamp: timestamp, body: body)),
        ]
    }
}

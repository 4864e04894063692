// The JSON form of an outbox row, for `GET /api/deliveries` and `bridge deliveries list`.

extension Delivery {
    /// Writes `{"id","eventId","sourceId","webhookId","orgId","outcome","status","recipients",
    /// "attempts","nextAttemptAt","lastHttpStatus","lastError","deliveredAt","createdAt","updatedAt"}`,
    /// times as RFC 3339 UTC.
    public func writeJSON(into json: inout JSONText) {
        json.beginObject()
        json.field("id", id)
        json.field("eventId", eventID)
        json.field("sourceId", sourceID)
        json.field("webhookId", webhookID)
        json.field("orgId", orgID)
        json.field("outcome", outcome.rawValue)
        json.field("status", status.rawValue)
        json.field("recipients", recipients)
        json.field("attempts", Int64(attempts))
        json.field(
            "nextAttemptAt",
            status == .pending ? DeliveryCalendar.rfc3339(unixMillis: nextAttemptAtMillis) : nil
        )
        json.field("lastHttpStatus", lastHTTPStatus.map(Int64.init))
        json.field("lastError", lastError)
        json.field("deliveredAt", DeliveryCalendar.rfc3339(unixMillis: deliveredAtMillis))
        json.field("createdAt", DeliveryCalendar.rfc3339(unixMillis: createdAtMillis))
        json.field("updatedAt", DeliveryCalendar.rfc3339(unixMillis: updatedAtMillis))
        json.endObject()
    }
}

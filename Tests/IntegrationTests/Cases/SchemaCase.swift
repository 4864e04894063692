// Webhook bodies that break one schema rule each, with the field the 400 answer must name.

/// One schema violation: a name for the report, the body, and the field at fault.
struct SchemaCase: Sendable, CustomStringConvertible {
    /// What is wrong, in words.
    var description: String
    /// The offending body.
    var payload: NativePayload
    /// The field the error must name.
    var field: String

    /// One case per rule of the native schema.
    static let all: [SchemaCase] = [
        SchemaCase("entityType missing", .order().removing("entityType"), "entityType"),
        SchemaCase("entityType unknown", .order().setting("entityType", string: "invoice"), "entityType"),
        SchemaCase("entityType not a string", .order().setting("entityType", json: "1"), "entityType"),
        SchemaCase("action missing", .order().removing("action"), "action"),
        SchemaCase("action unknown", .order().setting("action", string: "exploded"), "action"),
        SchemaCase("action in capitals", .order().setting("action", string: "CREATED"), "action"),
        SchemaCase("orgId missing", .order().removing("orgId"), "orgId"),
        SchemaCase("orgId with a space", .order().setting("orgId", string: "acme corp"), "orgId"),
        SchemaCase("orgId with a slash", .order().setting("orgId", string: "acme/../other"), "orgId"),
        SchemaCase("orgId a number", .order().setting("orgId", json: "42"), "orgId"),
        SchemaCase("orderId missing", .order().removing("orderId"), "orderId"),
        SchemaCase("orderId empty", .order().setting("orderId", string: ""), "orderId"),
        SchemaCase(
            "orderId of 129 characters",
            .order().setting("orderId", string: String(repeating: "o", count: 129)),
            "orderId"
        ),
        SchemaCase("orderId with a hash", .order().setting("orderId", string: "ord#1"), "orderId"),
        SchemaCase("itemId missing on order_item", .orderItem().removing("itemId"), "itemId"),
        SchemaCase("itemId with bad characters", .orderItem().setting("itemId", string: "it em"), "itemId"),
        SchemaCase("itemId on an order", .order().setting("itemId", string: "item_1"), "itemId"),
        SchemaCase("version as a string", .order().setting("version", string: "3"), "version"),
        SchemaCase("version as a float", .order().setting("version", json: "3.5"), "version"),
        SchemaCase("version as a Boolean", .order().setting("version", json: "true"), "version"),
        SchemaCase("occurredAt not RFC 3339", .order().setting("occurredAt", string: "yesterday"), "occurredAt"),
        SchemaCase(
            "occurredAt without a zone",
            .order().setting("occurredAt", string: "2026-12-03T10:15:30"),
            "occurredAt"
        ),
        SchemaCase("occurredAt month 13", .order().setting("occurredAt", string: "2026-13-03T10:15:30Z"), "occurredAt"),
        SchemaCase("occurredAt a number", .order().setting("occurredAt", json: "1764756930"), "occurredAt"),
        SchemaCase("data a string", .order().setting("data", string: "paid"), "data"),
        SchemaCase("data an array", .order().setting("data", json: "[1,2]"), "data"),
        SchemaCase("data missing", .order().removing("data"), "data"),
    ]

    private init(_ description: String, _ payload: NativePayload, _ field: String) {
        self.description = description
        self.payload = payload
        self.field = field
    }
}

// Webhook bodies at the edges of the schema that must still be accepted.

/// One valid body with a name for the report.
struct AcceptedCase: Sendable, CustomStringConvertible {
    /// What is special about the body.
    var description: String
    /// The body.
    var payload: NativePayload

    /// Every action, both entity types, `version` left out, and ids at their limits.
    static let all: [AcceptedCase] =
        ["created", "updated", "deleted", "status_changed"].map {
            AcceptedCase("order \($0)", .order(action: $0))
        } + [
            AcceptedCase("order_item updated", .orderItem()),
            AcceptedCase("without version", .order(version: nil)),
            AcceptedCase("version 0", .order(version: 0)),
            AcceptedCase("empty data", .order(data: "{}")),
            AcceptedCase("orderId of 128 characters", .order(order: String(repeating: "o", count: 128))),
            AcceptedCase("every allowed id character", .order(org: "Az09_.:-", order: "ord_A.z:9-")),
            AcceptedCase("unknown extra member", .order().setting("comment", string: "ignored")),
            AcceptedCase(
                "occurredAt with an offset",
                .order().setting("occurredAt", string: "2026-12-03T10:15:30-05:30")
            ),
        ]

    private init(_ description: String, _ payload: NativePayload) {
        self.description = description
        self.payload = payload
    }
}

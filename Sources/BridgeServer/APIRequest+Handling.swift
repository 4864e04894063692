// What the notification and audit handlers take from a request: security events and paging arguments.

import BridgeCore

extension APIRequest {
    /// A security event `name` with `outcome` about this request.
    ///
    /// A refusal before authentication (`actor` nil) is aggregated per minute by client
    /// address and `reason`, so that a flood of bad tokens leaves one record a minute, not one
    /// per request; `aggregationKey` overrides that choice.
    func securityEvent(
        _ name: String,
        outcome: String,
        actor: SecurityActor? = nil,
        targets: [String] = [],
        metadata: [String: String] = [:],
        aggregationKey: String? = nil
    ) -> SecurityEvent {
        let key = aggregationKey ?? (actor == nil ? "\(clientIP)|\(metadata["reason"] ?? "")" : nil)
        return SecurityEvent(
            name: name,
            outcome: outcome,
            actor: actor,
            targets: targets,
            metadata: metadata,
            clientIP: clientIP,
            userAgent: userAgent,
            requestID: requestID,
            aggregationKey: key
        )
    }

    /// The `limit` query argument: `fallback` when absent, nil when not a whole number in
    /// `1...maximum`.
    func limit(fallback: Int, maximum: Int) -> Int? {
        guard let text = query["limit"] else { return fallback }
        guard text.utf8.count <= 6, let value = Int(text), (1...maximum).contains(value) else { return nil }
        return value
    }
}

// A webhook request as the event loop hands it to the ingest pipeline.

/// Everything ingest needs from one `POST /webhooks/{sourceId}`, copied off the lws connection.
struct WebhookJob: Sendable {
    var exchange: ExchangeKey
    var sourceID: String
    var webhookID: String?
    var timestamp: String?
    var signature: String?
    var body: [UInt8]
    /// Milliseconds since the Unix epoch, taken when the body was complete.
    var receivedAtMillis: Int64
    /// Monotonic seconds at the same moment, for stage latencies.
    var receivedAt: Double
    var requestID: String
    /// The sender's address, for the security audit.
    var clientIP: String
    /// The sender's User-Agent, untrusted.
    var userAgent: String?
}

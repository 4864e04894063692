// The result of one attempt, as the sender writes it back to the outbox.

/// What to store after an attempt: the row's new state, counters and last answer.
public struct DeliveryAttemptRecord: Sendable, Equatable {
    /// The row.
    public var id: String
    /// The claim's token; a row whose lease passed to another sender is left alone.
    public var token: String
    /// Attempts made, this one included.
    public var attempts: Int
    /// `sent`, `failed`, or `pending` for another try.
    public var status: DeliveryStatus
    /// When to try again, for a pending row, in milliseconds since the Unix epoch.
    public var nextAttemptAtMillis: Int64
    /// The HTTP status of the answer, when there was one.
    public var httpStatus: Int?
    /// Why the attempt failed, safe to show; nil on success.
    public var error: String?
    /// When the attempt ended, in milliseconds since the Unix epoch.
    public var nowMillis: Int64

    /// Bundles the result of one attempt.
    public init(
        id: String,
        token: String,
        attempts: Int,
        status: DeliveryStatus,
        nextAttemptAtMillis: Int64,
        httpStatus: Int?,
        error: String?,
        nowMillis: Int64
    ) {
        self.id = id
        self.token = token
        self.attempts = attempts
        self.status = status
        self.nextAttemptAtMillis = nextAttemptAtMillis
        self.httpStatus = httpStatus
        self.error = error
        self.nowMillis = nowMillis
    }
}

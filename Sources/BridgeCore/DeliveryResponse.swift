// What one attempt to send an acknowledgement got back.

/// The answer to one attempt, as the retry policy judges it.
public enum DeliveryResponse: Sendable, Equatable {
    /// The source answered with an HTTP status; `retryAfter` is its raw `Retry-After` header.
    case http(status: Int, retryAfter: String?)
    /// No answer: the connection, TLS or the time limit failed. `reason` is safe to show.
    case transportError(String)

    /// The status, when there was an answer.
    public var httpStatus: Int? {
        if case .http(let status, _) = self {
            return status
        }
        return nil
    }

    /// Why the attempt failed, safe to store and show; nil for a 2xx.
    public var failureReason: String? {
        switch self {
        case .http(let status, _) where (200...299).contains(status):
            return nil
        case .http(let status, _) where (300...399).contains(status):
            return "HTTP \(status): redirects are not followed"
        case .http(let status, _):
            return "HTTP \(status)"
        case .transportError(let reason):
            return reason
        }
    }
}

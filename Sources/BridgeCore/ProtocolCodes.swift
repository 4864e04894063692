// Every WebSocket close code and client error code the bridge uses, named once.

/// Close codes sent to WebSocket clients (RFC 6455 §7.4 and the 4000 private range).
public enum CloseCode: UInt16, Sendable, CaseIterable {
    /// Normal close requested by either side. Reconnect: only if the client still wants updates.
    case normal = 1000
    /// The server is shutting down or the connection was idle too long. Reconnect: yes, at once.
    case goingAway = 1001
    /// A frame broke RFC 6455 (unmasked, bad opcode, oversized control frame). Reconnect: no; fix the client.
    case protocolError = 1002
    /// A text frame was not valid UTF-8. Reconnect: no; fix the client.
    case invalidPayload = 1007
    /// Policy violation: sustained rate-limit abuse. Reconnect: after a pause.
    case policyViolation = 1008
    /// A message exceeded the size limit. Reconnect: yes, without repeating that message.
    case messageTooBig = 1009
    /// An unexpected server fault. Reconnect: yes, with backoff.
    case internalError = 1011
    /// The client could not keep up and its send queue overflowed. Reconnect: yes, with backoff and `since`.
    case tryAgainLater = 1013
    /// Authentication failed, or the token expired without a refresh. Reconnect: with a new token.
    case authenticationFailed = 4001
    /// No `auth` message arrived in time. Reconnect: yes, authenticating promptly.
    case authenticationTimeout = 4008

    /// Whether a well-behaved client should reconnect after this code.
    public var clientShouldReconnect: Bool {
        switch self {
        case .normal, .protocolError, .invalidPayload: false
        case .goingAway, .policyViolation, .messageTooBig, .internalError, .tryAgainLater,
            .authenticationFailed, .authenticationTimeout:
            true
        }
    }
}

/// `code` values of `{"type":"error"}` messages; the connection stays open after each.
public enum ClientErrorCode: String, Sendable, CaseIterable {
    /// The message was not JSON, had an unknown `type` or a field of the wrong shape.
    case badMessage = "bad_message"
    /// The room does not exist for this client or may not be read by it.
    case forbiddenRoom = "forbidden_room"
    /// The client is subscribed to the maximum number of rooms.
    case tooManyRooms = "too_many_rooms"
    /// The client sent more messages than its budget allows; it should slow down.
    case rateLimited = "rate_limited"
    /// The message needs an authenticated connection; send `auth` first.
    case notAuthenticated = "not_authenticated"
    /// A refresh token named another user or organisation than the connection's.
    case identityMismatch = "identity_mismatch"
    /// The server could not complete the request (for example the store is down); retry later.
    case unavailable = "unavailable"
}

// Who a WebSocket client is, as its HS256 token says.

/// The claims the bridge reads from a client token.
public struct JWTClaims: Sendable, Equatable {
    /// What the token lets its holder do inside the organisation.
    public enum Role: String, Sendable, CaseIterable {
        /// May read every room of the organisation.
        case admin
        /// May read the organisation's rooms meant for members.
        case member
    }

    /// `sub`: the user id, 1 to 128 characters of `[A-Za-z0-9_.:-]`.
    public var subject: String
    /// `org`: the organisation id, in the same alphabet as `subject`.
    public var orgID: String
    /// `role`: `admin` or `member`; any other value refuses the token.
    public var role: Role
    /// `exp`: Unix seconds after which the token is refused.
    public var expiresAt: Int64
    /// `iat`: Unix seconds when the token was issued, if it says.
    public var issuedAt: Int64?

    /// Claims for `subject` in `orgID`.
    public init(subject: String, orgID: String, role: Role, expiresAt: Int64, issuedAt: Int64? = nil) {
        self.subject = subject
        self.orgID = orgID
        self.role = role
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
    }
}

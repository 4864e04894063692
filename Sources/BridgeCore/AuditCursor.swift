// The position after which the next page of an organisation's audit records starts.

/// A position in newest-first order of the audit log: the id of the last row of a page.
///
/// Clients see only `token`, opaque hex text they pass back as `cursor`.
public struct AuditCursor: Sendable, Equatable {
    /// Longest token accepted, in characters.
    public static let maxTokenLength = 64

    /// The id of the last row seen; the next page starts below it.
    public var beforeID: Int64

    /// The position just after the row `beforeID`.
    public init(beforeID: Int64) {
        self.beforeID = beforeID
    }

    /// Decodes `token`; nil when it is not one this bridge made.
    public init?(token: String) {
        guard token.utf8.count <= Self.maxTokenLength,
            let bytes = OpaqueToken.decode(token),
            let text = String(validating: bytes, as: UTF8.self),
            text.hasPrefix("a:"),
            let id = Int64(text.dropFirst(2)),
            id > 0
        else {
            return nil
        }
        self.beforeID = id
    }

    /// The token a client passes back to get the next page.
    public var token: String {
        OpaqueToken.encode(Array("a:\(beforeID)".utf8))
    }
}

// Rooms as clients name them, and the organisation-scoped keys the server files them under.

/// A room inside one organisation. Clients never name the organisation: it comes from their token,
/// so no string a client sends can reach another organisation's room.
public enum Room: Hashable, Sendable {
    /// Every event of the organisation.
    case org(orgID: String)
    /// Events of one order and its items.
    case order(orgID: String, orderID: String)
    /// Messages addressed to one user, such as notifications.
    case user(orgID: String, userID: String)

    /// Resolves the name a client sent (`org`, `user`, `order:<id>`) against its own identity.
    /// Returns nil for anything else, which the client hears as `forbidden_room`.
    public init?(clientName: String, orgID: String, userID: String) {
        switch clientName {
        case "org":
            self = .org(orgID: orgID)
        case "user":
            self = .user(orgID: orgID, userID: userID)
        default:
            let prefix = "order:"
            guard clientName.hasPrefix(prefix) else { return nil }
            let orderID = String(clientName.dropFirst(prefix.count))
            guard PayloadValidator.isValidIdentifier(orderID) else { return nil }
            self = .order(orgID: orgID, orderID: orderID)
        }
    }

    /// The name a client uses for this room.
    public var clientName: String {
        switch self {
        case .org: "org"
        case .order(_, let orderID): "order:\(orderID)"
        case .user: "user"
        }
    }

    /// The organisation the room belongs to.
    public var orgID: String {
        switch self {
        case .org(let orgID), .order(let orgID, _), .user(let orgID, _): orgID
        }
    }

    /// How specific the room is; a connection in several matching rooms hears the most specific.
    public var specificity: Int {
        switch self {
        case .org: 0
        case .order: 1
        case .user: 2
        }
    }
}

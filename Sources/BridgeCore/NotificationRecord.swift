// A notification as stored: who sent it, to whom, what it says.

/// One notification of an organisation, addressed to some of its users or to all of them.
public struct NotificationRecord: Sendable, Equatable {
    /// A UUID chosen by the bridge.
    public var id: String
    /// The organisation it belongs to (the sender's).
    public var orgID: String
    /// The users it is for, in the order given and without repeats; empty for the whole
    /// organisation.
    public var targetUserIDs: [String]
    /// Up to 200 characters.
    public var title: String
    /// Up to 4,000 characters.
    public var body: String
    /// A JSON object, as compact text (`{}` when none was given).
    public var dataJSON: String
    /// The sending admin's user id.
    public var createdBy: String
    /// When it was stored, in Unix milliseconds.
    public var createdAtMillis: Int64

    /// A notification with every field given.
    public init(
        id: String,
        orgID: String,
        targetUserIDs: [String],
        title: String,
        body: String,
        dataJSON: String,
        createdBy: String,
        createdAtMillis: Int64
    ) {
        self.id = id
        self.orgID = orgID
        self.targetUserIDs = targetUserIDs
        self.title = title
        self.body = body
        self.dataJSON = dataJSON
        self.createdBy = createdBy
        self.createdAtMillis = createdAtMillis
    }

    /// A notification built from a checked request.
    public init(id: String, draft: NotificationDraft, orgID: String, createdBy: String, createdAtMillis: Int64) {
        self.init(
            id: id,
            orgID: orgID,
            targetUserIDs: draft.targetUserIDs,
            title: draft.title,
            body: draft.body,
            dataJSON: draft.dataJSON,
            createdBy: createdBy,
            createdAtMillis: createdAtMillis
        )
    }

    /// True when it is for every user of the organisation.
    public var isOrgWide: Bool { targetUserIDs.isEmpty }

    /// The rooms it is pushed to: each target's `user` room, or the organisation's room.
    public var rooms: [Room] {
        guard !isOrgWide else { return [.org(orgID: orgID)] }
        return targetUserIDs.map { .user(orgID: orgID, userID: $0) }
    }

    /// Whether `userID` of `orgID` may see it: it is theirs or their whole organisation's.
    public func isVisible(toUser userID: String, orgID: String) -> Bool {
        self.orgID == orgID && (isOrgWide || targetUserIDs.contains(userID))
    }
}

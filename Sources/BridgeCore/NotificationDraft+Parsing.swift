// Checking a `POST /api/notifications` body field by field, each refusal naming its field.

import Foundation

extension NotificationDraft {
    /// The fields a body may have.
    static let fields: Set<String> = ["title", "body", "targetUserIds", "data"]

    /// Checks `body` (JSON) for a notification from an admin of `orgID`.
    ///
    /// Rules: a JSON object with only `title`, `body`, `targetUserIds` and `data`. `title` a
    /// string of 1–200 scalars, `body` a string of up to 4,000 scalars, neither with NUL.
    /// `targetUserIds`, when present, an array of 1–1,000 targets, each a user id of the
    /// sender's organisation (`[A-Za-z0-9_.:-]{1,128}`) or `org/user` naming the sender's own
    /// organisation; a target in another organisation is refused as `foreign_target`. An
    /// explicit `null` or `[]` is refused: only leaving the field out reaches everyone.
    /// `data`, when present and not null, an object of at most 16 KiB compact JSON.
    /// - Throws: `NotificationInputError` naming the first field at fault, carrying the
    ///   title length and target count when those could be read.
    public static func parse(_ body: [UInt8], orgID: String) throws(NotificationInputError) -> NotificationDraft {
        let members = try decodeObject(body)
        let title = members["title"]?.stringValue
        var targetCount: Int?
        if case .array(let targets)? = members["targetUserIds"] {
            targetCount = targets.count
        }
        do {
            return try check(members, orgID: orgID)
        } catch {
            var error = error
            error.title = title.map { AuditRecord.cut($0, to: AuditRecord.maxMetadataValueLength) }
            error.titleLength = title?.unicodeScalars.count
            error.targetCount = targetCount
            throw error
        }
    }

    private static func check(
        _ members: [String: JSONValue],
        orgID: String
    ) throws(NotificationInputError) -> NotificationDraft {
        if let unknown = members.keys.filter({ !fields.contains($0) }).sorted().first {
            let name = AuditRecord.cut(unknown, to: 64)
            throw NotificationInputError(.unknownField, field: name, "`\(name)` is not a field of a notification")
        }
        let title = try text(members["title"], field: "title", maxLength: maxTitleLength, allowEmpty: false)
        let body = try text(members["body"], field: "body", maxLength: maxBodyLength, allowEmpty: true)
        let targets = try targetUserIDs(members["targetUserIds"], orgID: orgID)
        let data = try dataJSON(members["data"])
        return NotificationDraft(title: title, body: body, targetUserIDs: targets, dataJSON: data)
    }

    private static func decodeObject(_ body: [UInt8]) throws(NotificationInputError) -> [String: JSONValue] {
        guard JSONNesting.isWithin(body) else {
            throw NotificationInputError(
                .invalidJSON,
                field: nil,
                "body nests deeper than \(JSONNesting.maxDepth) levels"
            )
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else {
            throw NotificationInputError(.invalidJSON, field: nil, "body is not valid JSON")
        }
        guard let members = value.objectValue else {
            throw NotificationInputError(.invalidJSON, field: nil, "body must be a JSON object")
        }
        return members
    }

    private static func text(
        _ value: JSONValue?,
        field: String,
        maxLength: Int,
        allowEmpty: Bool
    ) throws(NotificationInputError) -> String {
        guard let text = value?.stringValue else {
            throw NotificationInputError(.invalidField, field: field, "`\(field)` is required and must be a string")
        }
        guard allowEmpty || !text.isEmpty else {
            throw NotificationInputError(.invalidField, field: field, "`\(field)` must not be empty")
        }
        guard text.unicodeScalars.count <= maxLength else {
            throw NotificationInputError(
                .invalidField,
                field: field,
                "`\(field)` is longer than \(maxLength) characters"
            )
        }
        guard !text.unicodeScalars.contains("\u{0}") else {
            throw NotificationInputError(.invalidField, field: field, "`\(field)` must not contain NUL characters")
        }
        return text
    }

    private static func targetUserIDs(_ value: JSONValue?, orgID: String) throws(NotificationInputError) -> [String] {
        let field = "targetUserIds"
        guard let value else { return [] }
        guard case .array(let items) = value else {
            throw NotificationInputError(
                .invalidField,
                field: field,
                "`\(field)` must be an array of user ids; leave it out to reach the whole organisation"
            )
        }
        guard !items.isEmpty else {
            throw NotificationInputError(
                .invalidField,
                field: field,
                "`\(field)` must not be empty; leave it out to reach the whole organisation"
            )
        }
        guard items.count <= maxTargets else {
            throw NotificationInputError(.invalidField, field: field, "`\(field)` lists more than \(maxTargets) users")
        }
        var seen: Set<String> = []
        var targets: [String] = []
        for (index, item) in items.enumerated() {
            let userID = try target(item, field: "\(field)[\(index)]", orgID: orgID)
            if seen.insert(userID).inserted {
                targets.append(userID)
            }
        }
        return targets
    }

    /// One target as a plain user id of `orgID`.
    private static func target(_ item: JSONValue, field: String, orgID: String) throws(NotificationInputError) -> String
    {
        let rule = "must be a user id ([A-Za-z0-9_.:-], 1–128 characters) or org/user"
        guard let text = item.stringValue else {
            throw NotificationInputError(.invalidField, field: field, "`\(field)` \(rule)")
        }
        let parts = text.split(separator: qualifierSeparator, maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 {
            let org = String(parts[0])
            let user = String(parts[1])
            guard PayloadValidator.isValidIdentifier(org), PayloadValidator.isValidIdentifier(user) else {
                throw NotificationInputError(.invalidField, field: field, "`\(field)` \(rule)")
            }
            guard org == orgID else {
                throw NotificationInputError(
                    .foreignTarget,
                    field: field,
                    "`\(field)` names a user of another organisation; notifications stay inside the sender's"
                )
            }
            return user
        }
        guard PayloadValidator.isValidIdentifier(text) else {
            throw NotificationInputError(.invalidField, field: field, "`\(field)` \(rule)")
        }
        return text
    }

    private static func dataJSON(_ value: JSONValue?) throws(NotificationInputError) -> String {
        let field = "data"
        guard let value, value != .null else { return "{}" }
        guard case .object = value else {
            throw NotificationInputError(.invalidField, field: field, "`data` must be a JSON object")
        }
        guard !containsNUL(value) else {
            throw NotificationInputError(.invalidField, field: field, "`data` must not contain NUL characters")
        }
        guard let text = value.compactJSON else {
            throw NotificationInputError(.invalidField, field: field, "`data` could not be re-encoded")
        }
        guard text.utf8.count <= maxDataBytes else {
            throw NotificationInputError(.invalidField, field: field, "`data` is larger than \(maxDataBytes) bytes")
        }
        return text
    }

    /// Whether any string or key in `value` holds U+0000, which PostgreSQL cannot store.
    private static func containsNUL(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text):
            return text.unicodeScalars.contains("\u{0}")
        case .array(let items):
            return items.contains(where: containsNUL)
        case .object(let members):
            return members.contains { $0.key.unicodeScalars.contains("\u{0}") || containsNUL($0.value) }
        case .null, .bool, .integer, .number:
            return false
        }
    }
}

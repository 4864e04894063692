// The JSON forms of a notification: the sender's answer, the pushed message, a reader's list item.

extension NotificationRecord {
    /// The message type of a pushed notification, for subscription `types` filters.
    public static let messageType = "notification"

    /// The stored notification as its sender sees it (the `201` answer): `id`, `orgId`,
    /// `audience`, `targetUserIds`, `title`, `body`, `data`, `createdBy`, `createdAt`.
    public var senderJSON: [UInt8] {
        JSONText.object(capacity: 256 + body.utf8.count + dataJSON.utf8.count) { json in
            writeCommonFields(into: &json, targets: true)
        }
    }

    /// The WebSocket message `{"type":"notification",…}`: the sender's fields without
    /// `targetUserIds`, so that no recipient learns who else was addressed.
    public var pushMessage: [UInt8] {
        JSONText.object(capacity: 256 + body.utf8.count + dataJSON.utf8.count) { json in
            json.field("type", Self.messageType)
            writeCommonFields(into: &json, targets: false)
        }
    }

    /// `targetUserIDs` as a JSON array of strings, as the stores keep it.
    public var targetUserIDsJSON: String {
        var json = JSONText(capacity: 16 + targetUserIDs.count * 16)
        json.beginArray()
        for userID in targetUserIDs {
            json.string(userID)
        }
        json.endArray()
        return json.text
    }

    /// Writes the fields shared by every form, `audience` being `org` or `users`.
    func writeCommonFields(into json: inout JSONText, targets: Bool) {
        json.field("id", id)
        json.field("orgId", orgID)
        json.field("audience", isOrgWide ? "org" : "users")
        if targets {
            json.key("targetUserIds")
            json.beginArray()
            for userID in targetUserIDs {
                json.string(userID)
            }
            json.endArray()
        }
        json.field("title", title)
        json.field("body", body)
        json.key("data")
        // Stored by this bridge as a JSON object; both engines hand back valid JSON text.
        json.raw(dataJSON)
        json.field("createdBy", createdBy)
        json.field("createdAt", AuditTimestamp.iso8601(millis: createdAtMillis))
    }
}

extension NotificationListing {
    /// Writes the notification as its reader sees it: the pushed fields (without `type`) plus
    /// `read` and `readAt`.
    public func write(into json: inout JSONText) {
        json.beginObject()
        notification.writeCommonFields(into: &json, targets: false)
        json.field("read", isRead)
        json.field("readAt", readAtMillis.map { AuditTimestamp.iso8601(millis: $0) })
        json.endObject()
    }

    /// The reader's form as a complete object.
    public var readerJSON: [UInt8] {
        var json = JSONText(capacity: 256 + notification.body.utf8.count + notification.dataJSON.utf8.count)
        write(into: &json)
        return json.bytes
    }
}

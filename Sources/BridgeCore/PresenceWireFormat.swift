// How a presence report travels between bridge instances: compact JSON, read back strictly.

import Foundation

/// Encodes a `PresenceReport` for the broker and decodes what the broker delivers.
///
/// The shape is `{"v":1,"instance":"<uuid>","connections":3,"final":false,
/// "users":[["<orgId>","<sub>",2],…]}`. Whoever can publish on the presence channel can send
/// anything, so the decoder accepts only what `encode` writes: every member present with its
/// type, a lowercase UUID, identifiers valid, counts within `0...maxCount`, at most
/// `maxUsersPerReport` users and none twice, no unknown member, bounded size and depth.
public enum PresenceWireFormat {
    /// The format's version, written as `v`; a receiver refuses any other.
    public static let version: Int64 = 1
    /// Most users one message carries; a sender splits a larger report.
    public static let maxUsersPerReport = 1000
    /// Largest count accepted, for a user or an instance: `WS_MAX_CONNECTIONS` allows no more.
    public static let maxCount = 1_000_000
    /// Largest message accepted: `maxUsersPerReport` entries of two 128-byte identifiers fit.
    public static let maxMessageBytes = 300_000

    static let knownKeys: Set<String> = ["v", "instance", "connections", "final", "users"]

    /// The report as one compact JSON object. Entries whose key `PresenceReport.userKey` did not
    /// make are left out; callers keep to `maxUsersPerReport`.
    public static func encode(_ report: PresenceReport) -> [UInt8] {
        JSONText.object(capacity: 96 + report.users.count * 40) { json in
            json.field("v", version)
            json.field("instance", report.instanceID)
            json.field("connections", Int64(report.connections))
            json.field("final", report.isFinal)
            json.key("users")
            json.beginArray()
            for entry in report.users {
                guard let parts = PresenceReport.parts(ofUserKey: entry.user) else { continue }
                json.beginArray()
                json.string(parts.orgID)
                json.string(parts.subject)
                json.integer(Int64(entry.count))
                json.endArray()
            }
            json.endArray()
        }
    }

    /// Reads one message; refuses anything `encode` would not have written.
    public static func decode(_ bytes: [UInt8]) throws(WireFormatError) -> PresenceReport {
        // Reports nest three levels deep: an object, its user list, and each entry.
        let members = try WireFormatEnvelope.members(
            of: bytes,
            maxBytes: maxMessageBytes,
            depth: 3,
            knownKeys: knownKeys,
            version: version
        )
        let instanceID = try WireFormatEnvelope.instanceID(in: members)
        guard case .bool(let isFinal)? = members["final"] else {
            throw WireFormatError(field: "final", "must be true or false")
        }
        return PresenceReport(
            instanceID: instanceID,
            connections: try count(members["connections"], field: "connections"),
            users: try users(members["users"]),
            isFinal: isFinal
        )
    }

    private static func count(_ value: JSONValue?, field: String) throws(WireFormatError) -> Int {
        guard case .integer(let number)? = value, number >= 0, number <= Int64(maxCount) else {
            throw WireFormatError(field: field, "must be an integer from 0 to \(maxCount)")
        }
        return Int(number)
    }

    private static func users(_ value: JSONValue?) throws(WireFormatError) -> [PresenceReport.Entry] {
        guard case .array(let items)? = value, items.count <= maxUsersPerReport else {
            throw WireFormatError(field: "users", "must be an array of at most \(maxUsersPerReport) entries")
        }
        var entries: [PresenceReport.Entry] = []
        entries.reserveCapacity(items.count)
        var seen: Set<String> = []
        for item in items {
            guard case .array(let parts) = item, parts.count == 3,
                let orgID = parts[0].stringValue, PayloadValidator.isValidIdentifier(orgID),
                let subject = parts[1].stringValue, PayloadValidator.isValidIdentifier(subject)
            else {
                throw WireFormatError(field: "users", "each entry must be [orgId, sub, count]")
            }
            let user = PresenceReport.userKey(orgID: orgID, subject: subject)
            guard seen.insert(user).inserted else {
                throw WireFormatError(field: "users", "names a user twice")
            }
            entries.append(PresenceReport.Entry(user: user, count: try count(parts[2], field: "users")))
        }
        return entries
    }

    /// True for the 8-4-4-4-12 lowercase hexadecimal form `UUIDv4` writes.
    static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 8, 13, 18, 23:
                guard byte == UInt8(ascii: "-") else { return false }
            default:
                guard
                    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                        || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                else { return false }
            }
        }
        return true
    }
}

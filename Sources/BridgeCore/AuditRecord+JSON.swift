// The canonical text of an audit record: the bytes that are hashed, stored and logged.

extension AuditRecord {
    /// The record as one JSON object in a fixed key order, printable ASCII only.
    ///
    /// Strings go through `JSONText`, which escapes quotes, backslashes and control characters;
    /// every scalar outside ASCII is then written as a `\u` escape, so the text holds no byte
    /// that any log viewer could take for a line break (CR, LF, NEL, U+2028, U+2029) and the
    /// same record always gives the same bytes. Keys, in order: `time`, `event`, `outcome`,
    /// `actor` (`user`, `org`, `role`, or null), `org`, `targets`, `metadata` (sorted keys),
    /// `clientIp`, `userAgent`, `requestId`, `count`.
    public var canonicalJSON: String {
        var json = JSONText(capacity: 512)
        json.beginObject()
        json.field("time", AuditTimestamp.iso8601(millis: atMillis))
        json.field("event", event)
        json.field("outcome", outcome)
        json.key("actor")
        if let actor {
            json.beginObject()
            json.field("user", actor.userID)
            json.field("org", actor.orgID)
            json.field("role", actor.role)
            json.endObject()
        } else {
            json.string(nil)
        }
        json.field("org", orgID)
        json.key("targets")
        json.beginArray()
        for target in targets {
            json.string(target)
        }
        json.endArray()
        json.key("metadata")
        json.beginObject()
        for key in metadata.keys.sorted() {
            json.field(key, metadata[key])
        }
        json.endObject()
        json.field("clientIp", clientIP)
        json.field("userAgent", userAgent)
        json.field("requestId", requestID)
        json.field("count", Int64(count))
        json.endObject()
        return Self.asciiOnly(json.text)
    }

    /// `text` with every non-ASCII scalar written as a JSON `\u` escape (UTF-16, so scalars
    /// beyond the Basic Multilingual Plane become a surrogate pair).
    ///
    /// Valid only for JSON whose structure is ASCII, which `JSONText` guarantees: a non-ASCII
    /// scalar can then only sit inside a string, where an escape means the same thing.
    static func asciiOnly(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                output.append(UInt8(truncatingIfNeeded: scalar.value))
                continue
            }
            for unit in String(scalar).utf16 {
                output.append(contentsOf: Array("\\u".utf8))
                output.append(contentsOf: hexDigits(unit))
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The four lowercase hex digits of `unit`.
    private static func hexDigits(_ unit: UInt16) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return stride(from: 12, through: 0, by: -4).map { shift in
            digits[Int((unit >> UInt16(shift)) & 0xF)]
        }
    }
}

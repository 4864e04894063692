// Webhook bodies built to trip a parser: bad encodings, numbers out of range, look-alike ids.

/// One hostile body with a short name for the report (the bytes themselves can be long).
struct HostileBody: Sendable, CustomStringConvertible {
    /// What is hostile about it.
    var description: String
    /// The body bytes.
    var bytes: [UInt8]

    /// Bodies that must each be answered 400.
    static let all: [HostileBody] = [
        HostileBody("invalid UTF-8", [0xFF, 0xFE, 0x00, 0x7B]),
        HostileBody("lone surrogate escape in an id", .order().setting("orgId", json: #""\ud800""#)),
        HostileBody("version beyond 64 bits", .order().setting("version", json: "99999999999999999999999")),
        HostileBody("version 1e400", .order().setting("version", json: "1e400")),
        HostileBody("NUL inside an id", .order().setting("orgId", string: "ac\u{0}me")),
        HostileBody("Cyrillic look-alike in an id", .order().setting("orgId", string: "\u{0430}cme")),
        HostileBody("unclosed array nesting", Array(String(repeating: "[", count: 5000).utf8)),
    ]

    private init(_ description: String, _ bytes: [UInt8]) {
        self.description = description
        self.bytes = bytes
    }

    private init(_ description: String, _ payload: NativePayload) {
        self.init(description, Array(payload.body.utf8))
    }
}

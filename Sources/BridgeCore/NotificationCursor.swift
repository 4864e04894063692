// The position after which the next page of a user's notifications starts, as an opaque token.

/// A position in newest-first order: the last notification of a page, by time and id.
///
/// Clients see it only as a token (`token`), hex text they pass back as `cursor`; the text is
/// not meant to be read, and a token that does not decode is refused rather than guessed at.
public struct NotificationCursor: Sendable, Equatable {
    /// Longest token accepted, in characters.
    public static let maxTokenLength = 400

    /// `created_at` of the last notification seen.
    public var createdAtMillis: Int64
    /// `id` of the last notification seen; ties on time are broken by id, descending.
    public var id: String

    /// The position just after `notification`.
    public init(after notification: NotificationRecord) {
        self.createdAtMillis = notification.createdAtMillis
        self.id = notification.id
    }

    /// A position from its parts.
    public init(createdAtMillis: Int64, id: String) {
        self.createdAtMillis = createdAtMillis
        self.id = id
    }

    /// Decodes a token from `token`; nil when it is not one this bridge made.
    public init?(token: String) {
        guard token.utf8.count <= Self.maxTokenLength,
            let bytes = OpaqueToken.decode(token),
            let text = String(validating: bytes, as: UTF8.self),
            text.hasPrefix("n:")
        else {
            return nil
        }
        let parts = text.dropFirst(2).split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let millis = Int64(parts[0]), millis >= 0,
            PayloadValidator.isValidIdentifier(String(parts[1]))
        else {
            return nil
        }
        self.createdAtMillis = millis
        self.id = String(parts[1])
    }

    /// The token a client passes back to get the page after this position.
    public var token: String {
        OpaqueToken.encode(Array("n:\(createdAtMillis):\(id)".utf8))
    }
}

/// Hex encoding for pagination tokens: opaque to clients, trivially and safely decoded here.
enum OpaqueToken {
    /// Lowercase hex of `bytes`.
    static func encode(_ bytes: [UInt8]) -> String {
        AuditChain.hex(bytes)
    }

    /// The bytes of lowercase or uppercase hex `text`; nil for anything else.
    static func decode(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard !digits.isEmpty, digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(of: digits[index]), let low = value(of: digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

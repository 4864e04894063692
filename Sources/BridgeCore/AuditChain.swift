// The hash chain of the audit log: each row's hash covers its record and the row before it.

/// Links audit records into a chain: `hash = SHA-256(prevHash || record)`, lowercase hex.
///
/// `prevHash` is the hash of the row before, or `genesisHash` for the first row, so editing a
/// row changes its hash and deleting one breaks the link of the row after it.
public struct AuditChain: Sendable {
    /// The `prev_hash` of the first row: 64 zeros.
    public static let genesisHash = String(repeating: "0", count: 64)

    private let crypto: any CryptoProvider

    /// A chain hashing with `crypto`'s SHA-256.
    public init(crypto: any CryptoProvider) {
        self.crypto = crypto
    }

    /// The hash of a row holding `record` after a row whose hash is `previous`.
    public func hash(previous: String, record: String) -> String {
        Self.hex(crypto.sha256(Array(previous.utf8) + Array(record.utf8)))
    }

    /// `bytes` as lowercase hex.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

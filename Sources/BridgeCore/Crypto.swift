// The cryptography the core needs, as protocols: an adapter (BridgeCrypto) supplies the primitives.

/// A keyed HMAC-SHA256, ready to authenticate many messages with one key.
///
/// Implementations are safe to call from any thread at the same time.
public protocol MessageAuthenticationKey: Sendable {
    /// The 32-byte HMAC-SHA256 of the concatenation of `parts`, in order.
    ///
    /// Taking the message in parts lets a caller authenticate `id.timestamp.body` without
    /// copying the body. An implementation that cannot compute the code (it ran out of
    /// memory) returns an empty array, which never equals a real code.
    func authenticationCode(_ parts: [[UInt8]]) -> [UInt8]
}

extension MessageAuthenticationKey {
    /// The 32-byte HMAC-SHA256 of `message`.
    public func authenticationCode(_ message: [UInt8]) -> [UInt8] {
        authenticationCode([message])
    }
}

/// The primitives the core builds on: HMAC, SHA-256, base64 and random bytes.
///
/// Implementations are safe to call from any thread at the same time.
public protocol CryptoProvider: Sendable {
    /// A reusable HMAC-SHA256 key; make it once per secret, not once per message.
    func hmacSHA256Key(_ key: [UInt8]) -> any MessageAuthenticationKey

    /// Standard base64 (RFC 4648 §4) with `=` padding.
    func base64Encode(_ bytes: [UInt8]) -> String

    /// Decodes standard, padded base64; `nil` when `text` is not exactly that.
    ///
    /// Strict: the length is a multiple of four, only the standard alphabet, at most two `=`
    /// and only at the end, no whitespace, and unused trailing bits are zero. The empty string
    /// decodes to no bytes. Never traps, whatever the input.
    func base64Decode(_ text: String) -> [UInt8]?

    /// `count` bytes from a cryptographically secure generator; empty when `count <= 0`.
    func randomBytes(_ count: Int) -> [UInt8]

    /// The 32-byte SHA-256 digest of `bytes`.
    func sha256(_ bytes: [UInt8]) -> [UInt8]
}

/// Whether `a` and `b` hold the same bytes, in time that depends only on their lengths.
///
/// Use it for every comparison of a secret-derived value (signatures, MACs). The lengths
/// may leak; the position of the first difference does not.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices {
        difference |= a[index] ^ b[index]
    }
    return difference == 0
}

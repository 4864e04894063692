// The HMAC primitive for signing test webhooks and tokens, taken from the libcrypto adapter.

import BridgeCore
import BridgeCrypto

/// HMAC-SHA256 through `OpenSSLCrypto`. Only the primitive is shared with the product: the
/// signed content (`id.timestamp.body`, `header.claims`) is assembled by the tests themselves.
enum TestCrypto {
    /// The provider, or nil when libcrypto failed its self-test (the server could not start either).
    private static let provider: OpenSSLCrypto? = try? OpenSSLCrypto()

    /// HMAC-SHA256 of `message` under `key`; empty if libcrypto is unusable, which matches nothing.
    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        provider?.hmacSHA256Key(key).authenticationCode(message) ?? []
    }
}

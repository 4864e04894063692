// A test-only CryptoProvider: libcrypto for everything but the MAC, which is a fixed value.

import BridgeCore
import BridgeCrypto

/// Real OpenSSL base64, SHA-256 and random bytes, with an HMAC that always yields `code`.
///
/// The fuzzer cannot forge HMAC-SHA256, so with the real key every signature check fails and
/// the code after it (JWT claims, the accepted-delivery path) would never run. With a fixed
/// code, a seed that carries it reaches those paths and the fuzzer mutates from there. What is
/// fuzzed is the parsing around the MAC, not the MAC; the real HMAC runs in a second verifier.
struct FixedMACCrypto: CryptoProvider {
    /// The code every key returns: 32 bytes of `*`, base64 `KioqKi…Kio=`.
    static let code = [UInt8](repeating: 0x2A, count: 32)

    /// The real provider the other primitives come from.
    let base: OpenSSLCrypto

    /// A key that ignores its bytes and the message.
    func hmacSHA256Key(_ key: [UInt8]) -> any MessageAuthenticationKey {
        FixedKey()
    }

    /// `base`'s encoder.
    func base64Encode(_ bytes: [UInt8]) -> String {
        base.base64Encode(bytes)
    }

    /// `base`'s strict decoder, so signature and token parsing see production behaviour.
    func base64Decode(_ text: String) -> [UInt8]? {
        base.base64Decode(text)
    }

    /// `base`'s generator.
    func randomBytes(_ count: Int) -> [UInt8] {
        base.randomBytes(count)
    }

    /// `base`'s digest.
    func sha256(_ bytes: [UInt8]) -> [UInt8] {
        base.sha256(bytes)
    }

    /// The key `hmacSHA256Key` hands out.
    private struct FixedKey: MessageAuthenticationKey {
        func authenticationCode(_ parts: [[UInt8]]) -> [UInt8] {
            FixedMACCrypto.code
        }
    }
}

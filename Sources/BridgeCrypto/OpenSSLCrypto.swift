// libcrypto (OpenSSL 3) behind the core's CryptoProvider.

import BridgeCore
import COpenSSL

/// The production `CryptoProvider`: HMAC through `EVP_MAC`, SHA-256 through `EVP_Digest`,
/// base64 through `EVP_EncodeBlock`/`EVP_DecodeBlock`, random bytes through `RAND_bytes`.
///
/// Make one at start-up and share it. The algorithms are fetched once and only read
/// afterwards, which libcrypto allows from any number of threads; that is why the class is
/// `@unchecked Sendable`.
public final class OpenSSLCrypto: CryptoProvider, @unchecked Sendable {
    /// The fetched "HMAC" `EVP_MAC`; each key's context holds its own reference.
    private let mac: OpaquePointer
    /// The fetched "SHA256" `EVP_MD`.
    private let digest: OpaquePointer

    /// Fetches the algorithms and checks them against published test vectors.
    ///
    /// - Throws: `OpenSSLError` when libcrypto lacks HMAC or SHA-256 or computes a wrong
    ///   answer; the process should not start then.
    public init() throws(OpenSSLError) {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else {
            throw OpenSSLError("libcrypto has no HMAC")
        }
        guard let digest = EVP_MD_fetch(nil, "SHA256", nil) else {
            EVP_MAC_free(mac)
            throw OpenSSLError("libcrypto has no SHA-256")
        }
        self.mac = mac
        self.digest = digest
        try selfTest()
    }

    deinit {
        EVP_MAC_free(mac)
        EVP_MD_free(digest)
    }

    /// A key whose libcrypto context is initialised once, here, and duplicated per message.
    public func hmacSHA256Key(_ key: [UInt8]) -> any MessageAuthenticationKey {
        OpenSSLHMACKey(mac: mac, key: key)
    }

    /// Bytes from `RAND_bytes`, or from the system generator if libcrypto's fails.
    public func randomBytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let filled = bytes.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            var start = 0
            while start < buffer.count {
                let length = min(buffer.count - start, Int(Int32.max))
                guard RAND_bytes(base + start, Int32(length)) == 1 else { return false }
                start += length
            }
            return true
        }
        if !filled {
            // Failing open is worse than a second source: the system generator is also
            // cryptographically secure, and it traps rather than return weak bytes.
            var generator = SystemRandomNumberGenerator()
            for index in bytes.indices {
                bytes[index] = generator.next()
            }
        }
        return bytes
    }

    /// The digest from `EVP_Digest`; empty only if libcrypto fails, which never equals a digest.
    public func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var length: UInt32 = 0
        var output = [UInt8](repeating: 0, count: 32)
        let status = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                EVP_Digest(input.baseAddress, input.count, out.baseAddress, &length, digest, nil)
            }
        }
        guard status == 1, length == 32 else { return [] }
        return output
    }

    /// Checks HMAC (RFC 4231 test case 2), SHA-256 ("abc", FIPS 180-2) and base64.
    private func selfTest() throws(OpenSSLError) {
        let key = hmacSHA256Key(Array("Jefe".utf8))
        let code = key.authenticationCode([Array("what do ya ".utf8), Array("want for nothing?".utf8)])
        guard base64Encode(code) == "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=" else {
            throw OpenSSLError("HMAC-SHA256 self-test failed")
        }
        guard base64Encode(sha256(Array("abc".utf8))) == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=" else {
            throw OpenSSLError("SHA-256 self-test failed")
        }
        guard base64Decode(base64Encode(code)) == code else {
            throw OpenSSLError("base64 self-test failed")
        }
    }
}

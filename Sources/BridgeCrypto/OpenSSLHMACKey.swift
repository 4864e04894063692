// One HMAC-SHA256 key prepared in libcrypto, reused for every message it authenticates.

import BridgeCore
import COpenSSL

/// An HMAC-SHA256 key held as an initialised `EVP_MAC_CTX` template.
///
/// Thread safety: the template is written only in `init`. Each call duplicates it with
/// `EVP_MAC_CTX_dup` (which only reads its source), feeds the copy and frees it, so any
/// number of threads may authenticate with one key at once. Duplicating the keyed context
/// skips the key schedule, which is most of the cost for short messages.
final class OpenSSLHMACKey: MessageAuthenticationKey, @unchecked Sendable {
    /// The size of an HMAC-SHA256 code, in bytes.
    static let codeBytes = 32

    /// The keyed `EVP_MAC_CTX`; `nil` when libcrypto could not allocate it.
    private let template: OpaquePointer?

    /// Prepares `key` for `mac`, an `EVP_MAC` fetched as "HMAC".
    init(mac: OpaquePointer, key: [UInt8]) {
        guard let context = EVP_MAC_CTX_new(mac) else {
            self.template = nil
            return
        }
        let status = key.withUnsafeBufferPointer { buffer -> Int32 in
            if let base = buffer.baseAddress {
                return bridge_hmac_sha256_init(context, base, buffer.count)
            }
            // A NULL key tells EVP_MAC_init to keep a previous key; an empty key needs a real pointer.
            var unused: UInt8 = 0
            return bridge_hmac_sha256_init(context, &unused, 0)
        }
        if status == 1 {
            self.template = context
        } else {
            EVP_MAC_CTX_free(context)
            self.template = nil
        }
    }

    deinit {
        EVP_MAC_CTX_free(template)
    }

    func authenticationCode(_ parts: [[UInt8]]) -> [UInt8] {
        guard let template, let context = EVP_MAC_CTX_dup(template) else { return [] }
        defer { EVP_MAC_CTX_free(context) }

        for part in parts where !part.isEmpty {
            let status = part.withUnsafeBufferPointer { EVP_MAC_update(context, $0.baseAddress, $0.count) }
            guard status == 1 else { return [] }
        }

        var length = 0
        var code = [UInt8](repeating: 0, count: Self.codeBytes)
        let status = code.withUnsafeMutableBufferPointer {
            EVP_MAC_final(context, $0.baseAddress, &length, $0.count)
        }
        guard status == 1, length == Self.codeBytes else { return [] }
        return code
    }
}

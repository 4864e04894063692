// Checks a PEM certificate and its private key with libcrypto before the TLS layer is given them,
// so that a bad pair is named instead of half-loaded.

import COpenSSL

/// A PEM certificate and private key, as read from `TLS_CERT_FILE` and `TLS_KEY_FILE`.
public enum CertificatePair {
    /// What is wrong with the pair, or nil when `certificate` holds a PEM certificate and `key`
    /// the unencrypted PEM private key that belongs to it.
    public static func problem(certificate: [UInt8], key: [UInt8]) -> String? {
        defer { ERR_clear_error() }
        guard let x509 = read(certificate, with: { PEM_read_bio_X509($0, nil, nil, nil) }) else {
            return "the certificate file holds no PEM certificate"
        }
        defer { X509_free(x509) }
        guard let privateKey = read(key, with: { PEM_read_bio_PrivateKey($0, nil, nil, nil) }) else {
            return "the key file holds no unencrypted PEM private key"
        }
        defer { EVP_PKEY_free(privateKey) }
        guard X509_check_private_key(x509, privateKey) == 1 else {
            return "the private key does not belong to the certificate"
        }
        return nil
    }

    /// Parses `bytes` with `parse` through a read-only memory BIO.
    private static func read<Value>(
        _ bytes: [UInt8],
        with parse: (OpaquePointer) -> Value?
    ) -> Value? {
        guard let length = Int32(exactly: bytes.count), length > 0 else { return nil }
        return bytes.withUnsafeBytes { buffer -> Value? in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, length) else { return nil }
            defer { BIO_free(bio) }
            return parse(bio)
        }
    }
}

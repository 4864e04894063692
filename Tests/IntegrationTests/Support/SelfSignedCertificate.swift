// A throwaway certificate for 127.0.0.1, made with the openssl command line for the TLS tests.

import Foundation

/// A self-signed P-256 certificate whose subjectAltName is `IP:127.0.0.1`, and its key, as PEM
/// files. The certificate is its own CA: clients trust it by naming it as their CA file.
struct SelfSignedCertificate {
    /// The certificate file (`TLS_CERT_FILE`, and the clients' CA file).
    let certificatePath: String
    /// The unencrypted private key file (`TLS_KEY_FILE`).
    let keyPath: String

    /// Generates the pair into `directory`.
    init(in directory: URL) throws {
        certificatePath = directory.appendingPathComponent("cert.pem").path
        keyPath = directory.appendingPathComponent("key.pem").path
        let result = try ExternalTool.openssl().run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", keyPath, "-out", certificatePath, "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        guard result.status == 0, FileManager.default.isReadableFile(atPath: certificatePath) else {
            throw TestClientError.setup("openssl req failed: \(result.stderr.suffix(500))")
        }
    }
}

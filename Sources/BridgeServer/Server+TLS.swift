// TLS termination: certificate checks at start-up and reload on SIGHUP.

import BridgeCore
import BridgeCrypto
import CLibWebSockets
import Foundation

extension Server {
    /// Whether the server terminates TLS itself.
    var usesTLS: Bool { config.tlsCertFile != nil }

    /// Refuses to start with a certificate or key that cannot be read, naming the variable, or
    /// with a pair that is not a PEM certificate and its own private key.
    static func checkTLSFiles(_ config: BridgeConfiguration) throws(ServerError) {
        for (variable, path) in [("TLS_CERT_FILE", config.tlsCertFile), ("TLS_KEY_FILE", config.tlsKeyFile)] {
            guard let path else { continue }
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ServerError("\(variable): cannot read \(path)")
            }
        }
        guard let certPath = config.tlsCertFile, let keyPath = config.tlsKeyFile,
            let certificate = FileManager.default.contents(atPath: certPath),
            let key = FileManager.default.contents(atPath: keyPath)
        else { return }
        if let problem = CertificatePair.problem(certificate: Array(certificate), key: Array(key)) {
            throw ServerError("TLS_CERT_FILE, TLS_KEY_FILE: \(problem)")
        }
    }

    /// Asks the loop to load the certificate and key files again (SIGHUP); safe from any thread.
    public func reloadCertificates() {
        inbox.post(.reloadCertificates)
    }

    /// Swaps the certificate of every vhost that uses the configured files, on the loop.
    func reloadCertificatesOnLoop(_ context: OpaquePointer?) {
        guard let context, let certPath = config.tlsCertFile, let keyPath = config.tlsKeyFile else { return }
        guard let certificate = FileManager.default.contents(atPath: certPath),
            let key = FileManager.default.contents(atPath: keyPath)
        else {
            logger.error("certificate reload failed: files unreadable; keeping the current certificate")
            return
        }
        // lws reports a file it cannot parse only in its own log and then answers success, so
        // the pair is checked here first.
        if let problem = CertificatePair.problem(certificate: Array(certificate), key: Array(key)) {
            logger.error("certificate reload failed; keeping the current certificate", (Logger.Key.reason, problem))
            return
        }
        let result = certificate.withUnsafeBytes { certBytes in
            key.withUnsafeBytes { keyBytes in
                lws_tls_cert_updated(
                    context,
                    certPath,
                    keyPath,
                    certBytes.baseAddress?.assumingMemoryBound(to: CChar.self),
                    certBytes.count,
                    keyBytes.baseAddress?.assumingMemoryBound(to: CChar.self),
                    keyBytes.count
                )
            }
        }
        if result == 0 {
            logger.info("certificate reloaded")
        } else {
            logger.error("certificate reload failed; keeping the current certificate")
        }
    }
}

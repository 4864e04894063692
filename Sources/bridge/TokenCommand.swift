// `bridge token`: print a signed access token for development and tests.

import BridgeCore
import BridgeCrypto
import Foundation

enum TokenCommand {
    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        do {
            let options = try Options(arguments, allowed: ["sub", "org", "role", "ttl"])
            let subject = try options.required("sub")
            let orgID = try options.required("org")
            guard let role = JWTClaims.Role(rawValue: try options.required("role")) else {
                throw UsageError("--role must be admin or member")
            }
            let ttl = try options["ttl"].map { text throws(UsageError) -> Int64 in
                guard let value = Int64(text), value > 0, value <= 31_536_000 else {
                    throw UsageError("--ttl must be whole seconds from 1 to 31536000")
                }
                return value
            }
            guard PayloadValidator.isValidIdentifier(subject), PayloadValidator.isValidIdentifier(orgID) else {
                throw UsageError("--sub and --org must be 1–128 characters of [A-Za-z0-9_.:-]")
            }
            guard let secret = environment["JWT_SECRET"], secret.utf8.count >= JWTCodec.minimumSecretBytes else {
                throw UsageError("JWT_SECRET must be set (at least \(JWTCodec.minimumSecretBytes) bytes)")
            }
            let now = Int64(Date().timeIntervalSince1970)
            let claims = JWTClaims(
                subject: subject,
                orgID: orgID,
                role: role,
                expiresAt: now + (ttl ?? 3600),
                issuedAt: now
            )
            let codec = JWTCodec(secret: Array(secret.utf8), crypto: try OpenSSLCrypto())
            print(codec.sign(claims))
            return 0
        } catch let error as UsageError {
            printError(error.message)
            return 64
        } catch {
            printError("\(error)")
            return 70
        }
    }
}

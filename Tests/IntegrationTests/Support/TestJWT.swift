// HS256 tokens for the tests, including the malformed and mis-signed ones the server must refuse.

import Foundation

/// Builds JWTs by hand (base64url header and claims, HMAC-SHA256 signature), so a test can make
/// any token the bridge must accept or refuse.
enum TestJWT {
    /// The `JWT_SECRET` every test server is started with.
    static let secret = "integration-test-jwt-secret-not-for-production-0001"

    /// A valid token for `sub` in `org` with `role`, expiring `ttl` seconds from now.
    static func make(sub: String = "alice", org: String = "acme", role: String = "admin", ttl: Int = 3600) -> String {
        let now = Int(Date().timeIntervalSince1970)
        return make(claims: ["sub": sub, "org": org, "role": role, "iat": now, "exp": now + ttl])
    }

    /// A token with the given header and claims, signed with HMAC-SHA256 under `secret`
    /// whatever `alg` the header names; with `secret` nil the signature part is empty.
    static func make(
        header: [String: Any] = ["alg": "HS256", "typ": "JWT"],
        claims: [String: Any],
        secret: String? = TestJWT.secret
    ) -> String {
        let signingInput = encodePart(header) + "." + encodePart(claims)
        guard let secret else { return signingInput + "." }
        let signature = TestCrypto.hmacSHA256(key: Array(secret.utf8), message: Array(signingInput.utf8))
        return signingInput + "." + base64URL(signature)
    }

    /// Unpadded base64url of `bytes`.
    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func encodePart(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return base64URL(Array(data))
    }
}

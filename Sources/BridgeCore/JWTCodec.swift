// HS256 JSON Web Tokens (RFC 7519) for WebSocket clients: made for the demo, checked on `auth`.

import Foundation

/// Signs and verifies compact HS256 tokens with one shared secret.
///
/// Verification accepts only `alg` `HS256`, so neither `none` nor a public-key algorithm can
/// be smuggled in, and compares signatures in constant time.
public struct JWTCodec: Sendable {
    /// Longer tokens are refused before any decoding.
    public static let maxTokenBytes = 4096

    /// The shortest secret worth using for HS256 (RFC 7518 §3.2 asks for at least the hash size).
    /// `init` does not enforce it; configuration should.
    public static let minimumSecretBytes = 32

    private let key: any MessageAuthenticationKey
    private let crypto: any CryptoProvider
    /// The base64url of `{"alg":"HS256","typ":"JWT"}`, the only header `sign` writes.
    private let encodedHeader: String

    /// A codec keyed with `secret`, the raw HMAC key bytes.
    public init(secret: [UInt8], crypto: any CryptoProvider) {
        self.key = crypto.hmacSHA256Key(secret)
        self.crypto = crypto
        self.encodedHeader = crypto.base64URLEncode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
    }

    /// A compact token carrying `claims`. The claims are written as given; `verify` checks them.
    public func sign(_ claims: JWTClaims) -> String {
        let payload = JSONText.object { json in
            json.field("sub", claims.subject)
            json.field("org", claims.orgID)
            json.field("role", claims.role.rawValue)
            json.field("exp", claims.expiresAt)
            if let issuedAt = claims.issuedAt {
                json.field("iat", issuedAt)
            }
        }
        return sign(payloadJSON: payload)
    }

    /// The token for `payloadJSON` under the fixed HS256 header.
    private func sign(payloadJSON: [UInt8]) -> String {
        let signingInput = encodedHeader + "." + crypto.base64URLEncode(payloadJSON)
        let signature = key.authenticationCode(Array(signingInput.utf8))
        return signingInput + "." + crypto.base64URLEncode(signature)
    }

    /// The claims of `token` if it is a well-formed HS256 token signed with this codec's
    /// secret and not expired at `now` (Unix seconds).
    public func verify(_ token: String, now: Int64) throws(JWTError) -> JWTClaims {
        let bytes = token.utf8
        guard bytes.count <= Self.maxTokenBytes else {
            throw JWTError(.malformed, "token is longer than \(Self.maxTokenBytes) bytes")
        }
        let parts = bytes.split(separator: UInt8(ascii: "."), maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw JWTError(.malformed, "token must be three base64url parts separated by '.'")
        }

        try Self.checkHeader(try decodeObject(parts[0], part: "header"))

        guard let signature = crypto.base64URLDecode(String(decoding: parts[2], as: UTF8.self)) else {
            throw JWTError(.malformed, "token signature is not base64url")
        }
        let expected = key.authenticationCode(Array(bytes[..<parts[1].endIndex]))
        guard constantTimeEquals(signature, expected) else {
            throw JWTError(.badSignature, "token signature does not match")
        }

        let payload = try decodeObject(parts[1], part: "payload")
        return try Self.claims(from: payload, now: now)
    }

    private func decodeObject(
        _ part: Substring.UTF8View,
        part name: String
    ) throws(JWTError) -> [String: JSONValue] {
        guard let json = crypto.base64URLDecode(String(decoding: part, as: UTF8.self)) else {
            throw JWTError(.malformed, "token \(name) is not base64url")
        }
        guard JSONNesting.isWithin(json),
            let value = try? JSONDecoder().decode(JSONValue.self, from: Data(json)),
            let members = value.objectValue
        else {
            throw JWTError(.malformed, "token \(name) is not a JSON object")
        }
        return members
    }

    private static func checkHeader(_ header: [String: JSONValue]) throws(JWTError) {
        guard header["alg"] == .string("HS256") else {
            throw JWTError(.badAlgorithm, "token `alg` must be HS256")
        }
        if let type = header["typ"], type != .string("JWT") {
            throw JWTError(.malformed, "token `typ` must be JWT when present")
        }
        // RFC 7515 §4.1.11: extensions listed in `crit` must be understood, and we know none.
        if header["crit"] != nil {
            throw JWTError(.malformed, "token `crit` header is not supported")
        }
    }

    private static func claims(from payload: [String: JSONValue], now: Int64) throws(JWTError) -> JWTClaims {
        let subject = try identifier("sub", in: payload)
        let orgID = try identifier("org", in: payload)
        let role = try role(in: payload)
        guard let expiresAt = try integer("exp", in: payload) else {
            throw JWTError(.missingClaim, "token claim `exp` is required")
        }
        let issuedAt = try integer("iat", in: payload)
        let notBefore = try integer("nbf", in: payload)

        guard expiresAt > now else {
            throw JWTError(.expired, "token has expired")
        }
        if let notBefore, notBefore > now {
            throw JWTError(.notYetValid, "token is not valid yet")
        }
        return JWTClaims(subject: subject, orgID: orgID, role: role, expiresAt: expiresAt, issuedAt: issuedAt)
    }

    private static func identifier(_ name: String, in payload: [String: JSONValue]) throws(JWTError) -> String {
        guard let value = payload[name], value != .null else {
            throw JWTError(.missingClaim, "token claim `\(name)` is required")
        }
        guard let text = value.stringValue, PayloadValidator.isValidIdentifier(text) else {
            throw JWTError(.badClaim, "token claim `\(name)` must be 1–128 characters of [A-Za-z0-9_.:-]")
        }
        return text
    }

    private static func role(in payload: [String: JSONValue]) throws(JWTError) -> JWTClaims.Role {
        guard let value = payload["role"], value != .null else {
            throw JWTError(.missingClaim, "token claim `role` is required")
        }
        guard let text = value.stringValue, let role = JWTClaims.Role(rawValue: text) else {
            throw JWTError(.badClaim, "token claim `role` must be `admin` or `member`")
        }
        return role
    }

    /// An optional integer claim: `nil` when absent or null.
    private static func integer(_ name: String, in payload: [String: JSONValue]) throws(JWTError) -> Int64? {
        switch payload[name] {
        case nil, .null?: return nil
        case .integer(let value)?: return value
        default: throw JWTError(.badClaim, "token claim `\(name)` must be an integer number of seconds")
        }
    }
}

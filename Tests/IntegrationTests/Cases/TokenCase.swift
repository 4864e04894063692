// JWTs the bridge must refuse, one rule broken in each.

import Foundation

/// One bad token, built when the test runs so that expiry times are current.
enum TokenCase: String, Sendable, CaseIterable, CustomStringConvertible {
    case expired
    case algorithmNone
    case algorithmNoneWithSignature
    case algorithmHS512
    case algorithmRS256
    case signedWithAnotherSecret
    case claimsChangedAfterSigning
    case missingSub
    case missingOrg
    case missingRole
    case subNotAString
    case expNotANumber
    case twoParts
    case fourParts
    case notBase64
    case headerNotJSON
    case emptySignature
    case garbage

    var description: String { rawValue }

    /// The token for this case.
    func token() -> String {
        let now = Int(Date().timeIntervalSince1970)
        let claims: [String: Any] = ["sub": "alice", "org": "acme", "role": "admin", "iat": now, "exp": now + 3600]
        func without(_ name: String) -> [String: Any] { claims.filter { $0.key != name } }
        switch self {
        case .expired:
            return TestJWT.make(claims: claims.merging(["iat": now - 7200, "exp": now - 120]) { $1 })
        case .algorithmNone:
            return TestJWT.make(header: ["alg": "none", "typ": "JWT"], claims: claims, secret: nil)
        case .algorithmNoneWithSignature:
            return TestJWT.make(header: ["alg": "none", "typ": "JWT"], claims: claims)
        case .algorithmHS512:
            return TestJWT.make(header: ["alg": "HS512", "typ": "JWT"], claims: claims)
        case .algorithmRS256:
            return TestJWT.make(header: ["alg": "RS256", "typ": "JWT"], claims: claims)
        case .signedWithAnotherSecret:
            return TestJWT.make(claims: claims, secret: TestJWT.secret + "-but-not-quite")
        case .claimsChangedAfterSigning:
            let parts = TestJWT.make(claims: claims).split(separator: ".").map(String.init)
            let forged = TestJWT.make(claims: claims.merging(["org": "other"]) { $1 }).split(separator: ".")
            return [parts.first ?? "", forged.dropFirst().first.map(String.init) ?? "", parts.last ?? ""]
                .joined(separator: ".")
        case .missingSub:
            return TestJWT.make(claims: without("sub"))
        case .missingOrg:
            return TestJWT.make(claims: without("org"))
        case .missingRole:
            return TestJWT.make(claims: without("role"))
        case .subNotAString:
            return TestJWT.make(claims: claims.merging(["sub": 42]) { $1 })
        case .expNotANumber:
            return TestJWT.make(claims: claims.merging(["exp": "tomorrow"]) { $1 })
        case .twoParts:
            return TestJWT.make(claims: claims).split(separator: ".").prefix(2).joined(separator: ".")
        case .fourParts:
            return TestJWT.make(claims: claims) + ".AAAA"
        case .notBase64:
            return "%%%.***.!!!"
        case .headerNotJSON:
            let parts = TestJWT.make(claims: claims).split(separator: ".").dropFirst().map(String.init)
            return ([TestJWT.base64URL(Array("not json".utf8))] + parts).joined(separator: ".")
        case .emptySignature:
            return TestJWT.make(claims: claims, secret: nil)
        case .garbage:
            return "garbage"
        }
    }
}

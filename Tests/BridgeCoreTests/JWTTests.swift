// HS256 client tokens: a round trip, an independently made token, and every reason to refuse one.

import BridgeCore
import BridgeCrypto
import Testing

private let secret = Array("0123456789abcdef0123456789abcdef".utf8)
private let now: Int64 = 1_700_000_000
private let validPayload = #"{"sub":"user_1","org":"org_1","role":"member","exp":2000000000}"#

/// Made with Python's hmac and base64 (not with this codebase) from `secret` and
/// `{"sub":"user_1","org":"org_1","role":"member","exp":2000000000,"iat":1700000000}`.
private let pythonToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    + ".eyJzdWIiOiJ1c2VyXzEiLCJvcmciOiJvcmdfMSIsInJvbGUiOiJtZW1iZXIiLCJleHAiOjIwMDAwMDAwMDAsImlhdCI6MTcwMDAwMDAwMH0"
    + ".YZ-ndmB1gtdTGvPP2eaHAYABLbfhqpC0rqEV-zLNUGs"

@Suite struct JWTTests {
    let crypto: OpenSSLCrypto
    let codec: JWTCodec

    init() throws {
        crypto = try OpenSSLCrypto()
        codec = JWTCodec(secret: secret, crypto: crypto)
    }

    /// A token put together by hand: any header, any payload, signed with HMAC-SHA256 over them.
    private func craft(header: String, payload: String, key: [UInt8] = secret) -> String {
        let input = crypto.base64URLEncode(Array(header.utf8)) + "." + crypto.base64URLEncode(Array(payload.utf8))
        return input + "." + crypto.base64URLEncode(crypto.hmacSHA256Key(key).authenticationCode(Array(input.utf8)))
    }

    private func craft(payload: String) -> String {
        craft(header: #"{"alg":"HS256","typ":"JWT"}"#, payload: payload)
    }

    /// The code `verify` refuses `token` with; `nil` when it accepts it.
    private func refusal(_ token: String, at time: Int64 = now) -> JWTError.Code? {
        do {
            _ = try codec.verify(token, now: time)
            return nil
        } catch {
            if token.count >= 8 {
                #expect(!error.description.contains(token))
            }
            return error.code
        }
    }

    // MARK: Accepted tokens

    @Test(arguments: [nil, 1_699_999_000] as [Int64?])
    func signedClaimsRoundTrip(issuedAt: Int64?) throws {
        let claims = JWTClaims(
            subject: "user:42",
            orgID: "org-1.eu",
            role: .admin,
            expiresAt: now + 60,
            issuedAt: issuedAt
        )
        #expect(try codec.verify(codec.sign(claims), now: now) == claims)
    }

    @Test func independentlyMadeTokenVerifies() throws {
        let claims = try codec.verify(pythonToken, now: now)
        #expect(
            claims
                == JWTClaims(
                    subject: "user_1",
                    orgID: "org_1",
                    role: .member,
                    expiresAt: 2_000_000_000,
                    issuedAt: 1_700_000_000
                )
        )
    }

    @Test func headerWithoutTypAndUnknownClaimsAreAccepted() {
        let payload = #"{"sub":"u","org":"o","role":"admin","exp":2000000000,"name":"x","nested":{"a":[1]}}"#
        #expect(refusal(craft(header: #"{"alg":"HS256"}"#, payload: payload)) == nil)
    }

    // MARK: Algorithm and header

    @Test(arguments: [
        #"{"alg":"none","typ":"JWT"}"#, #"{"alg":"HS512","typ":"JWT"}"#, #"{"alg":"RS256","typ":"JWT"}"#,
        #"{"alg":"hs256"}"#, #"{"alg":"HS256 "}"#, #"{"typ":"JWT"}"#, #"{"alg":null}"#, #"{"alg":256}"#,
        #"{"alg":["HS256"]}"#, "{}",
    ])
    func algorithmOtherThanHS256IsRefused(header: String) {
        #expect(refusal(craft(header: header, payload: validPayload)) == .badAlgorithm)
    }

    @Test func unsignedNoneTokenIsRefused() {
        let token =
            crypto.base64URLEncode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "."
            + crypto.base64URLEncode(Array(validPayload.utf8)) + "."
        #expect(refusal(token) == .badAlgorithm)
    }

    @Test(arguments: [
        #"{"alg":"HS256","typ":"JWS"}"#, #"{"alg":"HS256","typ":1}"#, #"{"alg":"HS256","crit":["exp"]}"#,
        "[]", "null", "not json", "",
    ])
    func unacceptableHeaderIsMalformed(header: String) {
        #expect(refusal(craft(header: header, payload: validPayload)) == .malformed)
    }

    // MARK: Signature

    @Test func swappedPayloadIsRefused() {
        let original = craft(payload: validPayload).split(separator: ".")
        let forged = craft(payload: validPayload.replacingOccurrences(of: "member", with: "admin")).split(
            separator: "."
        )
        let token = [original[0], forged[1], original[2]].joined(separator: ".")
        #expect(refusal(token) == .badSignature)
    }

    @Test func tokenFromAnotherSecretIsRefused() {
        let other = Array("another secret of thirty-two byte".utf8)
        #expect(refusal(craft(header: #"{"alg":"HS256"}"#, payload: validPayload, key: other)) == .badSignature)
    }

    @Test func damagedSignatureIsRefused() {
        let token = craft(payload: validPayload)
        let signature = String(token.split(separator: ".")[2])
        let unsigned = String(token.dropLast(signature.count))
        #expect(refusal(unsigned) == .badSignature)
        #expect(refusal(unsigned + "AAAA") == .badSignature)
        let code = crypto.base64URLDecode(signature) ?? []
        #expect(refusal(unsigned + crypto.base64URLEncode(Array(code.prefix(16)))) == .badSignature)
        let flipped = signature.first == "A" ? "B" + signature.dropFirst() : "A" + signature.dropFirst()
        #expect(refusal(unsigned + flipped) == .badSignature)
        #expect(refusal(unsigned + signature + "=") == .malformed)
        #expect(refusal(unsigned + "+" + signature.dropFirst()) == .malformed)
    }

    // MARK: Shape

    @Test(arguments: ["", ".", "..", "...", "abc", "a.b", "a.b.c.d", "eyJ.eyJ.", "é.é.é", "a b.c.d"])
    func tokenNotOfThreeBase64URLPartsIsMalformed(token: String) {
        #expect(refusal(token) == .malformed)
    }

    @Test func standardBase64InHeaderIsMalformed() {
        let parts = pythonToken.split(separator: ".")
        #expect(refusal("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9=." + parts[1] + "." + parts[2]) == .malformed)
        #expect(refusal("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ+." + parts[1] + "." + parts[2]) == .malformed)
    }

    @Test func overlongTokenIsRefused() {
        let padding = String(repeating: "x", count: JWTCodec.maxTokenBytes)
        let token = craft(payload: #"{"sub":"u","org":"o","role":"admin","exp":2000000000,"pad":"\#(padding)"}"#)
        #expect(refusal(token) == .malformed)
    }

    @Test(arguments: ["[]", "null", "1", "\"sub\"", "not json", "", "{\"sub\":", String(repeating: "[", count: 2000)])
    func payloadNotAJSONObjectIsMalformed(payload: String) {
        #expect(refusal(craft(payload: payload)) == .malformed)
    }

    // MARK: Claims

    @Test(arguments: [
        #"{"org":"o","role":"admin","exp":2000000000}"#,
        #"{"sub":"u","role":"admin","exp":2000000000}"#,
        #"{"sub":"u","org":"o","exp":2000000000}"#,
        #"{"sub":"u","org":"o","role":"admin"}"#,
        #"{"sub":null,"org":"o","role":"admin","exp":2000000000}"#,
        #"{"sub":"u","org":"o","role":"admin","exp":null}"#,
    ])
    func missingClaimIsRefused(payload: String) {
        #expect(refusal(craft(payload: payload)) == .missingClaim)
    }

    @Test(arguments: [
        #"{"sub":42,"org":"o","role":"admin","exp":2000000000}"#,
        #"{"sub":"","org":"o","role":"admin","exp":2000000000}"#,
        #"{"sub":"a b","org":"o","role":"admin","exp":2000000000}"#,
        #"{"sub":"é","org":"o","role":"admin","exp":2000000000}"#,
        #"{"sub":["u"],"org":"o","role":"admin","exp":2000000000}"#,
        #"{"sub":"u","org":"o/../p","role":"admin","exp":2000000000}"#,
        #"{"sub":"u","org":true,"role":"admin","exp":2000000000}"#,
        #"{"sub":"u","org":"","role":"admin","exp":2000000000}"#,
        #"{"sub":"u","org":"o","role":"owner","exp":2000000000}"#,
        #"{"sub":"u","org":"o","role":"Admin","exp":2000000000}"#,
        #"{"sub":"u","org":"o","role":"","exp":2000000000}"#,
        #"{"sub":"u","org":"o","role":1,"exp":2000000000}"#,
        #"{"sub":"u","org":"o","role":"admin","exp":"2000000000"}"#,
        #"{"sub":"u","org":"o","role":"admin","exp":2000000000.5}"#,
        #"{"sub":"u","org":"o","role":"admin","exp":1e300}"#,
        #"{"sub":"u","org":"o","role":"admin","exp":true}"#,
        #"{"sub":"u","org":"o","role":"admin","exp":99999999999999999999}"#,
        #"{"sub":"u","org":"o","role":"admin","exp":2000000000,"iat":"now"}"#,
        #"{"sub":"u","org":"o","role":"admin","exp":2000000000,"nbf":1.5}"#,
    ])
    func malformedClaimIsRefused(payload: String) {
        #expect(refusal(craft(payload: payload)) == .badClaim)
    }

    @Test func identifierClaimsAreLimitedTo128Characters() {
        let longest = String(repeating: "a", count: 128)
        let accepted = #"{"sub":"\#(longest)","org":"o","role":"admin","exp":2000000000}"#
        let refused = #"{"sub":"\#(longest)a","org":"o","role":"admin","exp":2000000000}"#
        #expect(refusal(craft(payload: accepted)) == nil)
        #expect(refusal(craft(payload: refused)) == .badClaim)
    }

    @Test(arguments: [now - 1, now, 0, -1, Int64.min])
    func expiredTokenIsRefused(expiresAt: Int64) {
        let claims = JWTClaims(subject: "u", orgID: "o", role: .member, expiresAt: expiresAt)
        #expect(refusal(codec.sign(claims)) == .expired)
    }

    @Test func tokenIsValidUntilItsExpiry() {
        let token = codec.sign(JWTClaims(subject: "u", orgID: "o", role: .member, expiresAt: now + 1))
        #expect(refusal(token, at: now) == nil)
        #expect(refusal(token, at: now + 1) == .expired)
    }

    @Test func tokenBeforeItsNotBeforeTimeIsRefused() {
        let payload = #"{"sub":"u","org":"o","role":"admin","exp":2000000000,"nbf":\#(now + 10)}"#
        #expect(refusal(craft(payload: payload)) == .notYetValid)
        #expect(refusal(craft(payload: payload), at: now + 10) == nil)
    }
}

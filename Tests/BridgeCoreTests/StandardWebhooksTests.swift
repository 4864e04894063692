// Standard Webhooks v1: the published vectors, every way a delivery can be wrong, and secrets.

import BridgeCore
import BridgeCrypto
import Testing

/// A published signature: secret, headers and body as the reference libraries test them.
struct PublishedWebhookVector: Sendable, CustomTestStringConvertible {
    var name: String
    var secret: String
    var id: String
    var timestamp: Int64
    var body: String
    var signature: String

    var testDescription: String { name }
}

// Copied from standard-webhooks/standard-webhooks @ b2fa7b8719fb75d326b591077f5d1b385cfcdfae:
// libraries/python/tests/test_webhooks.py `test_sign_function` (the same values appear in the Go,
// JavaScript, Ruby, PHP and C# tests) and libraries/rust/src/lib.rs `test_sign`.
private let publishedVectors = [
    PublishedWebhookVector(
        name: "python test_sign_function",
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp: 1_614_265_330,
        body: #"{"test": 2432232314}"#,
        signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    ),
    PublishedWebhookVector(
        name: "rust test_sign",
        secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        id: "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
        timestamp: 1_649_367_553,
        body: #"{"email":"test@example.com","username":"test_user"}"#,
        signature: "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
    ),
]

// The example headers of spec/standard-webhooks.md at the same commit; no secret was published
// for them, so they only exercise parsing.
private let specExampleID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
private let specExampleTimestamp = "1674087231"
private let specExampleSignature =
    "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= "
    + "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg=="

/// A 24-byte secret of our own, unrelated to any vector.
private let otherSecret = "whsec_eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5"

@Suite struct StandardWebhooksTests {
    let crypto: OpenSSLCrypto
    let vector = publishedVectors[0]

    init() throws {
        crypto = try OpenSSLCrypto()
    }

    private func verifier(_ secrets: [String]) throws -> StandardWebhookVerifier {
        let parsed = try secrets.map { text throws(WebhookSecretError) in try WebhookSecret(text, crypto: crypto) }
        return try StandardWebhookVerifier(secrets: parsed, crypto: crypto)
    }

    /// Verifies `vector` with some parts replaced; `nil` when it passes.
    private func failure(
        secrets: [String]? = nil,
        id: String?? = nil,
        timestamp: String?? = nil,
        signature: String?? = nil,
        body: String? = nil,
        now: Int64? = nil
    ) throws -> WebhookAuthError? {
        let verifier = try verifier(secrets ?? [vector.secret])
        do {
            try verifier.verify(
                id: id ?? vector.id,
                timestamp: timestamp ?? String(vector.timestamp),
                signature: signature ?? vector.signature,
                body: Array((body ?? vector.body).utf8),
                now: now ?? vector.timestamp
            )
            return nil
        } catch {
            return error
        }
    }

    // MARK: Published vectors

    @Test(arguments: publishedVectors)
    func publishedVectorVerifiesAtItsTimestamp(_ vector: PublishedWebhookVector) throws {
        let verifier = try verifier([vector.secret])
        try verifier.verify(
            id: vector.id,
            timestamp: String(vector.timestamp),
            signature: vector.signature,
            body: Array(vector.body.utf8),
            now: vector.timestamp
        )
    }

    @Test(arguments: publishedVectors)
    func signReproducesPublishedVector(_ vector: PublishedWebhookVector) throws {
        let verifier = try verifier([vector.secret])
        let signature = verifier.sign(id: vector.id, timestamp: String(vector.timestamp), body: Array(vector.body.utf8))
        #expect(signature == vector.signature)
    }

    // MARK: Tampering

    @Test func changedBodyFails() throws {
        let body = vector.body.replacingOccurrences(of: "2432232314", with: "2432232315")
        #expect(try failure(body: body)?.code == .badSignature)
        #expect(try failure(body: vector.body + " ")?.code == .badSignature)
        #expect(try failure(body: "")?.code == .badSignature)
    }

    @Test func changedIDFails() throws {
        #expect(try failure(id: "msg_p5jXN8AQM9LWM0D4loKWxJel")?.code == .badSignature)
    }

    @Test func changedTimestampFails() throws {
        #expect(try failure(timestamp: "1614265331")?.code == .badSignature)
    }

    @Test func changedSignatureFails() throws {
        #expect(try failure(signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=")?.code == .badSignature)
        #expect(try failure(signature: "v1,h0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")?.code == .badSignature)
    }

    @Test func wrongSecretFails() throws {
        #expect(try failure(secrets: [otherSecret])?.code == .badSignature)
    }

    // MARK: Several secrets and entries

    @Test func rotatedSecretStillVerifies() throws {
        #expect(try failure(secrets: [otherSecret, vector.secret]) == nil)
    }

    @Test func signUsesTheFirstSecret() throws {
        let rotating = try verifier([otherSecret, vector.secret])
        let signature = rotating.sign(id: vector.id, timestamp: String(vector.timestamp), body: Array(vector.body.utf8))
        #expect(signature != vector.signature)
        #expect(try failure(secrets: [otherSecret], signature: signature) == nil)
    }

    @Test func matchingEntryMayComeLast() throws {
        let header =
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA= v1a,AAAA v2,abc nocomma "
            + vector.signature
        #expect(try failure(signature: header) == nil)
    }

    @Test func entriesBeyondTheLimitAreIgnored() throws {
        let filler = Array(repeating: "v1,AAAA", count: StandardWebhookVerifier.maxSignatureEntries - 1)
        let atLimit = (filler + [vector.signature]).joined(separator: " ")
        let pastLimit = (filler + ["v1,AAAA", vector.signature]).joined(separator: " ")
        #expect(try failure(signature: atLimit) == nil)
        #expect(try failure(signature: pastLimit)?.code == .badSignature)
    }

    @Test func overlongSignatureHeaderIsRefused() throws {
        let header = vector.signature + String(repeating: " ", count: StandardWebhookVerifier.maxSignatureHeaderBytes)
        #expect(try failure(signature: header)?.code == .badSignatureHeader)
    }

    @Test(arguments: [
        "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        "V1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        "v1,", "v1", ",", "", " ", "v1,!!!!", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
        "v1,g0hM9SsE-OTPJTGt_tmIKtSyZlE3uFJELVlNIOLJ1OE=", "v1, g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=,", "v1,é", "v1,\u{0}",
    ])
    func unusableSignatureEntriesFail(header: String) throws {
        #expect(try failure(signature: header)?.code == .badSignature)
    }

    @Test func specExampleHeaderWithTwoEntriesParses() throws {
        let verifier = try verifier([vector.secret])
        let ownSignature = verifier.sign(id: specExampleID, timestamp: specExampleTimestamp, body: [])
        // The published header is well formed but was made with an unpublished secret.
        #expect(
            try failure(
                id: specExampleID,
                timestamp: specExampleTimestamp,
                signature: specExampleSignature,
                body: "",
                now: 1_674_087_231
            )?.code == .badSignature
        )
        // The same shape with our own v1 entry in the first place verifies.
        let header = ownSignature + " " + specExampleSignature
        #expect(
            try failure(
                id: specExampleID,
                timestamp: specExampleTimestamp,
                signature: header,
                body: "",
                now: 1_674_087_231
            ) == nil
        )
    }

    // MARK: Timestamps

    @Test(arguments: [-300, -299, 0, 299, 300] as [Int64])
    func timestampWithinToleranceVerifies(offset: Int64) throws {
        #expect(try failure(now: vector.timestamp + offset) == nil)
    }

    @Test(arguments: [-301, 301, -1_000_000] as [Int64])
    func timestampOutsideToleranceFails(offset: Int64) throws {
        #expect(try failure(now: vector.timestamp + offset)?.code == .timestampOutOfTolerance)
    }

    @Test(arguments: [Int64.min, Int64.max, 0, -1])
    func extremeClockValuesFailWithoutTrapping(now: Int64) throws {
        #expect(try failure(now: now)?.code == .timestampOutOfTolerance)
        #expect(try failure(timestamp: "999999999999", now: now)?.code == .timestampOutOfTolerance)
    }

    @Test(arguments: [
        "", "abc", "-1614265330", "+1614265330", "1614265330.5", " 1614265330", "1614265330 ",
        "0x60374", "1e9", "１６１４２６５３３０", "1614265330\u{0}", "9999999999999",
        "99999999999999999999999999999999",
    ])
    func malformedTimestampIsRefused(timestamp: String) throws {
        #expect(try failure(timestamp: timestamp)?.code == .badTimestamp)
    }

    // MARK: Headers and ids

    @Test func missingHeadersAreNamed() throws {
        let missingID = try failure(id: .some(nil))
        #expect(missingID?.code == .missingHeader)
        #expect(missingID?.message.contains("webhook-id") == true)

        let missingTimestamp = try failure(timestamp: .some(nil))
        #expect(missingTimestamp?.code == .missingHeader)
        #expect(missingTimestamp?.message.contains("webhook-timestamp") == true)

        let missingSignature = try failure(signature: .some(nil))
        #expect(missingSignature?.code == .missingHeader)
        #expect(missingSignature?.message.contains("webhook-signature") == true)
    }

    @Test(arguments: ["", "msg.1", "msg 1", "msg\t1", "msgé", "msg\u{7F}", String(repeating: "a", count: 257)])
    func malformedIDIsRefused(id: String) throws {
        #expect(try failure(id: id)?.code == .badID)
    }

    @Test func longestIDVerifies() throws {
        let verifier = try verifier([vector.secret])
        let id = String(repeating: "a", count: StandardWebhookVerifier.maxIDBytes)
        let signature = verifier.sign(id: id, timestamp: "1614265330", body: [])
        #expect(try failure(id: id, signature: signature, body: "") == nil)
    }

    @Test func errorsRevealNoSignatureOrSecret() throws {
        let error = try #require(try failure(secrets: [otherSecret]))
        #expect(!error.description.contains("g0hM9SsE"))
        #expect(!error.description.contains("eXl5"))
    }

    // MARK: Secrets

    @Test func secretParsesWithOrWithoutPrefixAndPadding() throws {
        let prefixed = try WebhookSecret(vector.secret, crypto: crypto)
        let bare = try WebhookSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", crypto: crypto)
        #expect(bare.revealedText(crypto: crypto) == prefixed.revealedText(crypto: crypto))

        // 25 bytes encode to 36 characters with two '=' of padding; both forms are accepted.
        let padded = "whsec_" + crypto.base64Encode([UInt8](repeating: 7, count: 25))
        let unpadded = String(padded.dropLast(2))
        #expect(padded.hasSuffix("=="))
        #expect(try WebhookSecret(unpadded, crypto: crypto).revealedText(crypto: crypto) == padded)
    }

    @Test(arguments: [
        ("whsec_", WebhookSecretError.Code.tooShort),
        ("", .tooShort),
        ("whsec_eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg=", .tooShort),
        ("whsec_!!!!", .notBase64),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw ", .notBase64),
        ("whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaSw", .notBase64),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw===", .notBase64),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", .notBase64),
        ("WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", .notBase64),
        ("whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", .notBase64),
        ("whsec_whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", .notBase64),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSé", .notBase64),
    ])
    func badSecretIsRefused(text: String, code: WebhookSecretError.Code) {
        #expect {
            try WebhookSecret(text, crypto: crypto)
        } throws: { error in
            guard let error = error as? WebhookSecretError else { return false }
            return error.code == code && (text.count < 8 || !error.description.contains(text.dropFirst(6)))
        }
    }

    @Test func generatedSecretParsesAndVerifies() throws {
        let secret = WebhookSecret.generate(crypto: crypto)
        let text = secret.revealedText(crypto: crypto)
        #expect(text.hasPrefix("whsec_"))
        let reparsed = try WebhookSecret(text, crypto: crypto)
        #expect(reparsed.revealedText(crypto: crypto) == text)
        #expect(WebhookSecret.generate(crypto: crypto).revealedText(crypto: crypto) != text)

        let signer = try StandardWebhookVerifier(secrets: [secret], crypto: crypto)
        let signature = signer.sign(id: "msg_1", timestamp: "1700000000", body: Array("{}".utf8))
        try StandardWebhookVerifier(secrets: [reparsed], crypto: crypto)
            .verify(
                id: "msg_1",
                timestamp: "1700000000",
                signature: signature,
                body: Array("{}".utf8),
                now: 1_700_000_000
            )
    }

    @Test func secretNeverPrintsItsKey() throws {
        let secret = try WebhookSecret(vector.secret, crypto: crypto)
        let key = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        var dumped = ""
        dump(secret, to: &dumped)
        for text in [String(describing: secret), String(reflecting: secret), "\(secret)", dumped] {
            #expect(!text.contains(key))
            #expect(!text.contains("49, 242"))  // the first key bytes, as an array would print them
        }
    }

    @Test func verifierNeedsASecret() {
        #expect(throws: WebhookSecretError(.noSecrets, "at least one webhook secret is required")) {
            try StandardWebhookVerifier(secrets: [], crypto: crypto)
        }
    }
}

// Checks and makes Standard Webhooks v1 signatures: HMAC-SHA256 over `id.timestamp.body`.

/// Verifies the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers of a
/// delivery against one or more secrets, and signs outgoing messages with the first.
///
/// Several secrets let a source rotate: any of them may match. One HMAC key is prepared per
/// secret at init and reused for every request.
public struct StandardWebhookVerifier: Sendable {
    /// The spec's recommended tolerance: five minutes either way.
    public static let defaultToleranceSeconds: Int64 = 300

    /// Signature entries beyond this many are ignored.
    public static let maxSignatureEntries = 16

    /// A longer `webhook-signature` header is refused without being parsed.
    public static let maxSignatureHeaderBytes = 4096

    /// A longer `webhook-id` is refused.
    public static let maxIDBytes = 256

    /// A longer `webhook-timestamp` is refused (twelve digits reach the year 33658).
    public static let maxTimestampDigits = 12

    private let keys: [any MessageAuthenticationKey]
    private let toleranceSeconds: Int64
    private let crypto: any CryptoProvider

    /// A verifier accepting any of `secrets`; the first one signs.
    ///
    /// - Parameter toleranceSeconds: how far the timestamp may be from `now`, in seconds,
    ///   in the past or the future. Negative values count as zero.
    /// - Throws: `.noSecrets` when `secrets` is empty.
    public init(
        secrets: [WebhookSecret],
        toleranceSeconds: Int64 = defaultToleranceSeconds,
        crypto: any CryptoProvider
    ) throws(WebhookSecretError) {
        guard !secrets.isEmpty else {
            throw WebhookSecretError(.noSecrets, "at least one webhook secret is required")
        }
        self.keys = secrets.map { crypto.hmacSHA256Key($0.keyBytes) }
        self.toleranceSeconds = max(0, toleranceSeconds)
        self.crypto = crypto
    }

    /// Checks one delivery. Header values are passed as received; `nil` means absent.
    ///
    /// - Parameter now: the current time in Unix seconds, from the caller's clock.
    public func verify(
        id: String?,
        timestamp: String?,
        signature: String?,
        body: [UInt8],
        now: Int64
    ) throws(WebhookAuthError) {
        guard let id else { throw .missingHeader("webhook-id") }
        guard let timestamp else { throw .missingHeader("webhook-timestamp") }
        guard let signature else { throw .missingHeader("webhook-signature") }

        try Self.checkID(id)
        let seconds = try Self.parseTimestamp(timestamp)
        try checkTolerance(seconds, now: now)

        let candidates = try Self.v1Signatures(in: signature, crypto: crypto)
        guard !candidates.isEmpty else {
            throw WebhookAuthError(.badSignature, "webhook-signature has no v1 signature")
        }
        let message = Self.signedPrefix(id: id, timestamp: timestamp)
        for key in keys {
            let expected = key.authenticationCode([message, body])
            if candidates.contains(where: { constantTimeEquals($0, expected) }) {
                return
            }
        }
        throw WebhookAuthError(.badSignature, "no signature in webhook-signature matches")
    }

    /// The `webhook-signature` value (`v1,<base64>`) for a message, made with the first secret.
    ///
    /// `id` and `timestamp` should satisfy the rules `verify` applies, or the receiver will refuse.
    public func sign(id: String, timestamp: String, body: [UInt8]) -> String {
        let message = Self.signedPrefix(id: id, timestamp: timestamp)
        // `init` guarantees at least one key.
        let code = keys.first?.authenticationCode([message, body]) ?? []
        return "v1," + crypto.base64Encode(code)
    }

    /// `id.timestamp.`, the part of the signed message before the body.
    private static func signedPrefix(id: String, timestamp: String) -> [UInt8] {
        var bytes = Array(id.utf8)
        bytes.append(UInt8(ascii: "."))
        bytes.append(contentsOf: timestamp.utf8)
        bytes.append(UInt8(ascii: "."))
        return bytes
    }

    /// An id is 1 to `maxIDBytes` printable ASCII characters other than `.`, which would make
    /// the signed message ambiguous.
    private static func checkID(_ id: String) throws(WebhookAuthError) {
        let bytes = id.utf8
        guard !bytes.isEmpty, bytes.count <= maxIDBytes else {
            throw WebhookAuthError(.badID, "webhook-id must be 1 to \(maxIDBytes) characters")
        }
        let allowed = bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E && $0 != UInt8(ascii: ".") }
        guard allowed else {
            throw WebhookAuthError(.badID, "webhook-id must be printable ASCII without '.' or spaces")
        }
    }

    /// Unix seconds from 1 to `maxTimestampDigits` ASCII digits; small enough never to overflow.
    private static func parseTimestamp(_ text: String) throws(WebhookAuthError) -> Int64 {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= maxTimestampDigits else {
            throw WebhookAuthError(.badTimestamp, "webhook-timestamp must be 1 to \(maxTimestampDigits) digits")
        }
        var seconds: Int64 = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                throw WebhookAuthError(.badTimestamp, "webhook-timestamp must be Unix seconds in digits")
            }
            seconds = seconds * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return seconds
    }

    private func checkTolerance(_ seconds: Int64, now: Int64) throws(WebhookAuthError) {
        let (age, overflow) = now.subtractingReportingOverflow(seconds)
        guard !overflow, age <= toleranceSeconds, age >= -toleranceSeconds else {
            throw WebhookAuthError(
                .timestampOutOfTolerance,
                "webhook-timestamp is more than \(toleranceSeconds) seconds from the server's time"
            )
        }
    }

    /// The decoded signatures of the `v1` entries, in order. Entries of other versions, entries
    /// without a comma and entries that are not base64 are skipped, as the spec allows
    /// several schemes side by side.
    private static func v1Signatures(
        in header: String,
        crypto: any CryptoProvider
    ) throws(WebhookAuthError) -> [[UInt8]] {
        guard header.utf8.count <= maxSignatureHeaderBytes else {
            throw WebhookAuthError(
                .badSignatureHeader,
                "webhook-signature is longer than \(maxSignatureHeaderBytes) bytes"
            )
        }
        var signatures: [[UInt8]] = []
        let entries = header.utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        for entry in entries.prefix(maxSignatureEntries) {
            guard let comma = entry.firstIndex(of: UInt8(ascii: ",")) else { continue }
            guard entry[..<comma].elementsEqual("v1".utf8) else { continue }
            let encoded = entry[entry.index(after: comma)...]
            guard let decoded = crypto.base64Decode(String(decoding: encoded, as: UTF8.self)) else { continue }
            signatures.append(decoded)
        }
        return signatures
    }
}

/// Why a webhook delivery was refused. The message names headers, never their values.
public struct WebhookAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable, machine-readable kinds, suitable for a JSON error body.
    public enum Code: String, Sendable {
        /// A `webhook-*` header is absent.
        case missingHeader = "missing_header"
        /// `webhook-id` is empty, too long, or has characters outside printable ASCII or a `.`.
        case badID = "bad_id"
        /// `webhook-timestamp` is not 1 to 12 ASCII digits.
        case badTimestamp = "bad_timestamp"
        /// `webhook-timestamp` is too far in the past or the future.
        case timestampOutOfTolerance = "timestamp_out_of_tolerance"
        /// `webhook-signature` is too long to consider.
        case badSignatureHeader = "bad_signature_header"
        /// No `v1` signature matches any secret.
        case badSignature = "bad_signature"
    }

    /// What was wrong.
    public var code: Code
    /// A sentence safe to log and to return to the sender.
    public var message: String

    /// An error of kind `code` explained by `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The error for an absent header called `name`.
    public static func missingHeader(_ name: String) -> WebhookAuthError {
        WebhookAuthError(.missingHeader, "\(name) header is required")
    }

    /// `code: message`, safe to log.
    public var description: String { "\(code.rawValue): \(message)" }
}

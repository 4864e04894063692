// A Standard Webhooks signing secret (`whsec_<base64>`), parsed once and never printed.

/// The HMAC key of a webhook source, from its `whsec_<base64>` text form.
///
/// Nothing about the key shows in `description`, `debugDescription` or a mirror, so a secret
/// cannot leak through logging or `dump`.
public struct WebhookSecret: Sendable {
    /// The text form's prefix. Optional on input, as in the reference libraries.
    public static let prefix = "whsec_"

    /// The shortest key accepted, in bytes (the spec asks for 24 to 64 random bytes).
    public static let minimumKeyBytes = 24

    /// The key length `generate(crypto:)` uses, in bytes.
    public static let generatedKeyBytes = 32

    /// The decoded HMAC key.
    let keyBytes: [UInt8]

    /// Parses `whsec_<base64>` or bare base64; missing `=` padding is tolerated.
    public init(_ text: String, crypto: any CryptoProvider) throws(WebhookSecretError) {
        var encoded = Substring(text)
        if encoded.hasPrefix(Self.prefix) {
            encoded = encoded.dropFirst(Self.prefix.count)
        }
        // Secrets copied from dashboards often lose their padding; restore it before the
        // strict decoder sees the text.
        switch encoded.utf8.count % 4 {
        case 2: encoded += "=="
        case 3: encoded += "="
        default: break
        }
        guard let key = crypto.base64Decode(String(encoded)) else {
            throw WebhookSecretError(.notBase64, "webhook secret is not base64 after the optional whsec_ prefix")
        }
        guard key.count >= Self.minimumKeyBytes else {
            throw WebhookSecretError(
                .tooShort,
                "webhook secret decodes to \(key.count) bytes; at least \(Self.minimumKeyBytes) are required "
                    + "(whsec_ then the key in base64; the prefix may be left out)"
            )
        }
        self.keyBytes = key
    }

    /// A new random secret of `generatedKeyBytes` bytes.
    public static func generate(crypto: any CryptoProvider) -> WebhookSecret {
        WebhookSecret(keyBytes: crypto.randomBytes(generatedKeyBytes))
    }

    private init(keyBytes: [UInt8]) {
        self.keyBytes = keyBytes
    }

    /// The `whsec_<base64>` text form. It reveals the secret: show it only to its owner.
    public func revealedText(crypto: any CryptoProvider) -> String {
        Self.prefix + crypto.base64Encode(keyBytes)
    }
}

extension WebhookSecret: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// A fixed placeholder; never the key.
    public var description: String { "WebhookSecret(redacted)" }

    /// A fixed placeholder; never the key.
    public var debugDescription: String { description }

    /// An empty mirror, so `dump` shows no key bytes.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

/// Why a webhook secret was refused. The message never contains the secret.
public struct WebhookSecretError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable, machine-readable kinds.
    public enum Code: String, Sendable {
        /// The text (after an optional `whsec_`) is not base64.
        case notBase64 = "secret_not_base64"
        /// The key is shorter than `WebhookSecret.minimumKeyBytes`.
        case tooShort = "secret_too_short"
        /// A verifier was given no secret at all.
        case noSecrets = "no_secrets"
    }

    /// What was wrong.
    public var code: Code
    /// A sentence safe to log and to show.
    public var message: String

    /// An error of kind `code` explained by `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`, safe to log.
    public var description: String { "\(code.rawValue): \(message)" }
}

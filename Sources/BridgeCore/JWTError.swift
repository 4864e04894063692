// Why a client token was refused.

/// Why a token was refused. Neither `message` nor `description` contains the token or a claim value.
public struct JWTError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable, machine-readable kinds.
    public enum Code: String, Sendable {
        /// Not three base64url parts of JSON objects, too long, or a header the bridge does not accept.
        case malformed
        /// `alg` is anything but `HS256`, including `none`.
        case badAlgorithm = "bad_algorithm"
        /// The signature does not match.
        case badSignature = "bad_signature"
        /// A required claim (`sub`, `org`, `role`, `exp`) is absent.
        case missingClaim = "missing_claim"
        /// A claim has the wrong type or a value outside its alphabet or set.
        case badClaim = "bad_claim"
        /// `exp` is not after the current time.
        case expired
        /// `nbf` is after the current time.
        case notYetValid = "not_yet_valid"
    }

    /// What was wrong.
    public var code: Code
    /// A sentence safe to log and to show the client.
    public var message: String

    /// An error of kind `code` explained by `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`, safe to log.
    public var description: String { "jwt \(code.rawValue): \(message)" }
}

// Bearer-token checks for the JSON APIs: who is calling, or why they are refused.

import BridgeCore

/// Verifies the `Authorization: Bearer <JWT>` of an API request with the server's JWT codec.
struct BearerAuthenticator: Sendable {
    /// Why a request was not authenticated; `reason` is a stable code for the audit trail.
    struct Refusal: Error {
        /// `missing_token`, or a `JWTError` code such as `expired` or `bad_signature`.
        var reason: String
        /// A sentence for the client; never contains the token.
        var message: String

        /// The `401` answer, with `WWW-Authenticate: Bearer`.
        var result: APIResult {
            var result = APIResult.error(401, code: "unauthorized", message: message)
            result.headers.append(("www-authenticate", "Bearer"))
            return result
        }
    }

    /// The codec holding `JWT_SECRET`.
    let codec: JWTCodec
    /// Unix milliseconds now.
    let clock: @Sendable () -> Int64

    /// The verified claims of `request`'s bearer token.
    func authenticate(_ request: APIRequest) -> Result<JWTClaims, Refusal> {
        guard let token = request.bearerToken else {
            return .failure(
                Refusal(reason: "missing_token", message: "send a bearer token in the Authorization header")
            )
        }
        do {
            return .success(try codec.verify(token, now: clock() / 1000))
        } catch {
            return .failure(Refusal(reason: error.code.rawValue, message: error.message))
        }
    }
}

extension JWTClaims {
    /// The claims as the audit trail's actor.
    var securityActor: SecurityActor {
        SecurityActor(userID: subject, orgID: orgID, role: role.rawValue)
    }
}

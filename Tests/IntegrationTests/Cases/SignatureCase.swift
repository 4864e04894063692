// Standard Webhooks header variants: the ones the bridge must refuse and the ones it must accept.

import Foundation

/// One way of sending (or breaking) the `webhook-*` headers.
enum SignatureCase: String, Sendable, CaseIterable, CustomStringConvertible {
    case missingID
    case missingTimestamp
    case missingSignature
    case emptySignature
    case wrongSecret
    case signatureOfAnotherBody
    case signatureOfAnotherID
    case timestampTooOld
    case timestampTooNew
    case timestampNotANumber
    case unknownVersionOnly
    case malformedBase64
    case correctAmongSeveral
    case unknownVersionSkipped
    case timestampJustInsideToleranceBefore
    case timestampJustInsideToleranceAfter

    /// The variants answered 401.
    static let refused: [SignatureCase] = [
        .missingID, .missingTimestamp, .missingSignature, .emptySignature, .wrongSecret, .signatureOfAnotherBody,
        .signatureOfAnotherID, .timestampTooOld, .timestampTooNew, .timestampNotANumber, .unknownVersionOnly,
        .malformedBase64,
    ]

    /// The variants answered 202.
    static let accepted: [SignatureCase] = [
        .correctAmongSeveral, .unknownVersionSkipped, .timestampJustInsideToleranceBefore,
        .timestampJustInsideToleranceAfter,
    ]

    var description: String { rawValue }

    /// The headers for this variant, computed now (timestamps are relative to the current time).
    func headers(for body: String) -> WebhookSender.Headers {
        var headers = WebhookSender.Headers()
        let now = Int(Date().timeIntervalSince1970)
        let id = headers.id ?? ""
        func sign(
            id: String = id,
            timestamp: String,
            body: String = body,
            secret: String = WebhookSender.secret
        ) -> String {
            WebhookSender.signature(id: id, timestamp: timestamp, body: Array(body.utf8), secret: secret)
        }
        let timestamp = headers.timestamp ?? ""
        let right = sign(timestamp: timestamp)
        let stranger = "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()
        switch self {
        case .missingID: headers.id = nil
        case .missingTimestamp: headers.timestamp = nil
        case .missingSignature: headers.omitsSignature = true
        case .emptySignature: headers.signature = ""
        case .wrongSecret: headers.signature = sign(timestamp: timestamp, secret: stranger)
        case .signatureOfAnotherBody: headers.signature = sign(timestamp: timestamp, body: body + " ")
        case .signatureOfAnotherID: headers.signature = sign(id: id + "x", timestamp: timestamp)
        case .timestampTooOld: headers.timestamp = String(now - 301)
        case .timestampTooNew: headers.timestamp = String(now + 301)
        case .timestampNotANumber: headers.timestamp = "yesterday"
        case .unknownVersionOnly: headers.signature = "v2," + right.dropFirst(3)
        case .malformedBase64: headers.signature = "v1,not*base64!"
        case .correctAmongSeveral: headers.signature = sign(timestamp: timestamp, secret: stranger) + " " + right
        case .unknownVersionSkipped: headers.signature = "v2,c29tZXRoaW5n " + right
        case .timestampJustInsideToleranceBefore: headers.timestamp = String(now - 290)
        case .timestampJustInsideToleranceAfter: headers.timestamp = String(now + 290)
        }
        return headers
    }
}

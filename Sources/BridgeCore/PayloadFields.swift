// The top-level members of a webhook body that validation looks at, decoded without building
// a value tree for the rest.

import Foundation

/// One scalar member as sent: enough to tell a right value from a wrong one.
///
/// Decoding stops at the member's own type: an object or array here is `.other` and is
/// never walked, so a large or deep value in a field that must be a scalar costs nothing.
enum PayloadScalar: Decodable, Equatable {
    case string(String)
    case integer(Int64)
    /// A boolean, a fractional or out-of-range number, an array or an object.
    case other

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let number = try? container.decode(Int64.self) {
            self = .integer(number)
        } else {
            self = .other
        }
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}

/// Whether a member is a JSON object; its members are not decoded, because `data` travels on
/// as the sender's own text.
enum PayloadObjectShape: Decodable {
    case object
    case other

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        self = (try? decoder.container(keyedBy: AnyKey.self)) == nil ? .other : .object
    }
}

/// The members `PayloadValidator` checks. Absent and `null` both decode as nil; unknown
/// members are skipped unread. Decoding throws only when the body is not JSON or not an object.
struct PayloadFields: Decodable {
    var entityType: PayloadScalar?
    var action: PayloadScalar?
    var orgId: PayloadScalar?
    var orderId: PayloadScalar?
    var itemId: PayloadScalar?
    var version: PayloadScalar?
    var occurredAt: PayloadScalar?
    var data: PayloadObjectShape?

    private enum CodingKeys: String, CodingKey {
        case entityType, action, orgId, orderId, itemId, version, occurredAt, data
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        entityType = try container.decodeIfPresent(PayloadScalar.self, forKey: .entityType)
        action = try container.decodeIfPresent(PayloadScalar.self, forKey: .action)
        orgId = try container.decodeIfPresent(PayloadScalar.self, forKey: .orgId)
        orderId = try container.decodeIfPresent(PayloadScalar.self, forKey: .orderId)
        itemId = try container.decodeIfPresent(PayloadScalar.self, forKey: .itemId)
        version = try container.decodeIfPresent(PayloadScalar.self, forKey: .version)
        occurredAt = try container.decodeIfPresent(PayloadScalar.self, forKey: .occurredAt)
        data = try container.decodeIfPresent(PayloadObjectShape.self, forKey: .data)
    }
}

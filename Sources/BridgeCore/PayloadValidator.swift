// Turns a webhook body into an `OrderEvent`, or says which field is wrong.

import Foundation

/// A body that failed schema validation; safe to return to the sender.
public struct PayloadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The offending field, dotted from the top level; nil when the whole body is wrong.
    public var field: String?
    /// What is wrong and what would be accepted; never echoes the value sent.
    public var message: String

    /// Creates an error about `field` (nil for the whole body) with a message safe to return.
    public init(field: String?, _ message: String) {
        self.field = field
        self.message = message
    }

    /// The message alone, safe to log and to return to the sender.
    public var description: String { message }
}

/// Validates and normalises native webhook bodies.
public enum PayloadValidator {
    /// Longest accepted id, in characters.
    public static let maxIDLength = 128

    /// Parses `body` as a native order event.
    public static func validate(_ body: [UInt8]) throws(PayloadError) -> OrderEvent {
        let layout = try scan(body)
        let fields = try decodeFields(body)
        let entityType = try entity(fields.entityType)
        let action = try orderAction(fields.action)
        let orgID = try identifier(fields.orgId, field: "orgId")
        let orderID = try identifier(fields.orderId, field: "orderId")
        let itemID: String?
        switch entityType {
        case .order:
            guard fields.itemId == nil else {
                throw PayloadError(field: "itemId", "`itemId` is only allowed when `entityType` is `order_item`")
            }
            itemID = nil
        case .orderItem:
            itemID = try identifier(fields.itemId, field: "itemId")
        }
        return OrderEvent(
            entityType: entityType,
            action: action,
            orgID: orgID,
            orderID: orderID,
            itemID: itemID,
            version: try version(fields.version),
            occurredAt: try timestamp(fields.occurredAt),
            dataJSON: try dataObject(fields.data, raw: layout["data"].map { body[$0] })
        )
    }

    /// True when `value` is 1–128 characters of `[A-Za-z0-9_.:-]`.
    public static func isValidIdentifier(_ value: String) -> Bool {
        let bytes = value.utf8
        guard !bytes.isEmpty, bytes.count <= maxIDLength else { return false }
        return bytes.allSatisfy(isIdentifierByte)
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."),
            UInt8(ascii: ":"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    /// Where each top-level member's value sits in the body; refuses duplicate keys (two
    /// readers could disagree on which one counts) and trailing commas.
    private static func scan(_ body: [UInt8]) throws(PayloadError) -> [String: Range<Int>] {
        guard String(validating: body, as: UTF8.self) != nil else {
            throw PayloadError(field: nil, "body is not valid UTF-8")
        }
        do {
            let members = try JSONObjectScanner.members(body)
            return Dictionary(members.map { ($0.key, $0.valueRange) }, uniquingKeysWith: { first, _ in first })
        } catch .duplicateKey(let key) {
            let field = isValidIdentifier(key) ? key : nil
            throw PayloadError(field: field, "the key `\(field ?? "?")` appears more than once")
        } catch .trailingComma {
            throw PayloadError(field: nil, "body is not valid JSON (trailing comma)")
        } catch {
            throw PayloadError(field: nil, "body must be a JSON object")
        }
    }

    /// Checks the whole body's grammar, then decodes only the members validation needs.
    ///
    /// `JSONDecoder` checks a string's characters or a number's digits only when it decodes
    /// them, and `data` is never decoded (it travels as the sender's text), so the strict
    /// parse of `JSONSerialization` goes first: a raw control character, a bad escape or a
    /// number like `01` anywhere in the body refuses it. Both together cost about a third of
    /// decoding the body into a `JSONValue` tree.
    private static func decodeFields(_ body: [UInt8]) throws(PayloadError) -> PayloadFields {
        guard JSONNesting.isWithin(body) else {
            throw PayloadError(field: nil, "body nests deeper than \(JSONNesting.maxDepth) levels")
        }
        let data = Data(body)
        do {
            _ = try JSONSerialization.jsonObject(with: data)
            return try JSONDecoder().decode(PayloadFields.self, from: data)
        } catch {
            throw PayloadError(field: nil, "body is not valid JSON")
        }
    }

    private static func entity(_ value: PayloadScalar?) throws(PayloadError) -> EntityType {
        guard let text = value?.stringValue, let entity = EntityType(rawValue: text) else {
            throw PayloadError(field: "entityType", "`entityType` must be `order` or `order_item`")
        }
        return entity
    }

    private static func orderAction(_ value: PayloadScalar?) throws(PayloadError) -> OrderAction {
        guard let text = value?.stringValue, let action = OrderAction(rawValue: text) else {
            throw PayloadError(
                field: "action",
                "`action` must be one of `created`, `updated`, `deleted`, `status_changed`"
            )
        }
        return action
    }

    private static func identifier(_ value: PayloadScalar?, field: String) throws(PayloadError) -> String {
        guard let text = value?.stringValue, isValidIdentifier(text) else {
            throw PayloadError(field: field, "`\(field)` must be 1–128 characters of [A-Za-z0-9_.:-]")
        }
        return text
    }

    private static func version(_ value: PayloadScalar?) throws(PayloadError) -> Int64? {
        switch value {
        case nil:
            return nil
        case .integer(let number)? where number >= 0:
            return number
        default:
            throw PayloadError(field: "version", "`version` must be a non-negative integer")
        }
    }

    private static func timestamp(_ value: PayloadScalar?) throws(PayloadError) -> String? {
        switch value {
        case nil:
            return nil
        case .string(let text)? where RFC3339.isValid(text):
            return text
        default:
            throw PayloadError(field: "occurredAt", "`occurredAt` must be an RFC 3339 date-time")
        }
    }

    private static func dataObject(
        _ shape: PayloadObjectShape?,
        raw: ArraySlice<UInt8>?
    ) throws(PayloadError) -> String {
        // The decoder and the scanner must agree on which text is `data`; the scanner decodes
        // key escapes and refuses a second `data` however it is spelled, and the first byte
        // check keeps that agreement from resting on the scanner alone.
        guard case .object? = shape, let raw, raw.first == UInt8(ascii: "{") else {
            throw PayloadError(field: "data", "`data` must be a JSON object")
        }
        // The sender's own text, so numbers beyond 64 bits and key order reach subscribers
        // unchanged; only the whitespace between tokens goes, so the event stays one line.
        guard let text = String(validating: JSONWhitespace.removed(from: raw), as: UTF8.self) else {
            throw PayloadError(field: "data", "`data` is not valid UTF-8")
        }
        return text
    }
}

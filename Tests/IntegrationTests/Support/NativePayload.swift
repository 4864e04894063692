// Native webhook bodies built member by member as raw JSON text, so a test controls every byte.

import Foundation

/// A native order-event body. Members are kept in order as raw JSON values, which lets a test
/// put a float, a string or a malformed value exactly where it wants one.
struct NativePayload: Sendable {
    /// Members in order: name and raw JSON value text.
    private(set) var members: [(name: String, json: String)]

    /// An `order` event.
    static func order(
        org: String = "acme",
        order: String = "ord_1001",
        action: String = "updated",
        version: Int64? = 1,
        data: String = #"{"status":"paid","total":{"amount":"12.50","currency":"EUR"},"lines":[1,2]}"#
    ) -> NativePayload {
        var members: [(String, String)] = [
            ("entityType", quoted("order")),
            ("action", quoted(action)),
            ("orgId", quoted(org)),
            ("orderId", quoted(order)),
        ]
        if let version { members.append(("version", String(version))) }
        members.append(("occurredAt", quoted("2026-12-03T10:15:30.250Z")))
        members.append(("data", data))
        return NativePayload(members: members)
    }

    /// An `order_item` event.
    static func orderItem(
        org: String = "acme",
        order: String = "ord_1001",
        item: String = "item_7",
        action: String = "updated",
        version: Int64? = 1,
        data: String = #"{"sku":"SKU-1","quantity":2}"#
    ) -> NativePayload {
        var members: [(String, String)] = [
            ("entityType", quoted("order_item")),
            ("action", quoted(action)),
            ("orgId", quoted(org)),
            ("orderId", quoted(order)),
            ("itemId", quoted(item)),
        ]
        if let version { members.append(("version", String(version))) }
        members.append(("occurredAt", quoted("2026-12-03T10:15:30+01:00")))
        members.append(("data", data))
        return NativePayload(members: members)
    }

    /// This payload with member `name` set to the raw JSON `json` (replaced in place or appended).
    func setting(_ name: String, json: String) -> NativePayload {
        var copy = self
        if let index = copy.members.firstIndex(where: { $0.name == name }) {
            copy.members[index].json = json
        } else {
            copy.members.append((name, json))
        }
        return copy
    }

    /// This payload with member `name` set to the string `text`.
    func setting(_ name: String, string text: String) -> NativePayload {
        setting(name, json: Self.quoted(text))
    }

    /// This payload without member `name`.
    func removing(_ name: String) -> NativePayload {
        var copy = self
        copy.members.removeAll { $0.name == name }
        return copy
    }

    /// The raw JSON value text of member `name`.
    func json(_ name: String) -> String? {
        members.first { $0.name == name }?.json
    }

    /// The body text.
    var body: String {
        "{" + members.map { "\(Self.quoted($0.name)):\($0.json)" }.joined(separator: ",") + "}"
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [])) ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}

// The webhook body validator: what good bodies become, and the field every bad body is blamed on.

import BridgeCore
import Foundation
import Testing

/// A webhook body built from members given as raw JSON text, so any shape can be sent.
struct WebhookBody: Sendable, CustomTestStringConvertible {
    /// Members in order; the value is JSON text written as is.
    var members: [(String, String)]
    var testDescription: String { String(text.prefix(100)) }

    /// A valid `order` body: every field present and well formed.
    static let order = WebhookBody(members: [
        ("entityType", #""order""#),
        ("action", #""created""#),
        ("orgId", #""acme""#),
        ("orderId", #""ord_1""#),
        ("version", "3"),
        ("occurredAt", #""2025-03-14T09:21:07Z""#),
        ("data", #"{"status":"pending"}"#),
    ])

    /// A valid `order_item` body.
    static let item = order.setting("entityType", #""order_item""#).setting("itemId", #""line-1""#)

    var text: String {
        "{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    var bytes: [UInt8] { Array(text.utf8) }

    /// A copy with `name` set to `json`, replacing the member or appending it.
    func setting(_ name: String, _ json: String) -> WebhookBody {
        var copy = self
        if let index = copy.members.firstIndex(where: { $0.0 == name }) {
            copy.members[index].1 = json
        } else {
            copy.members.append((name, json))
        }
        return copy
    }

    /// A copy without `name`.
    func removing(_ name: String) -> WebhookBody {
        WebhookBody(members: members.filter { $0.0 != name })
    }
}

/// Raw bytes and the field their error must name (nil for the body as a whole).
struct RefusedBody: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var field: String?
    var testDescription: String { name }

    init(_ body: WebhookBody, field: String?) {
        self.name = body.testDescription
        self.bytes = body.bytes
        self.field = field
    }

    init(_ name: String, bytes: [UInt8], field: String?) {
        self.name = name
        self.bytes = bytes
        self.field = field
    }
}

private let tooLongID = String(repeating: "a", count: 129)
private let longestID = String(repeating: "z", count: 128)

/// Ids that break the `[A-Za-z0-9_.:-]{1,128}` rule, as JSON string literals or other values.
private let badIDs: [String] = [
    #""""#, "\"\(tooLongID)\"", #""a/b""#, #""../etc""#, #""a b""#, #"" acme""#, #""acme ""#,
    #""a\u0000b""#, #""a\nb""#, #""a\tb""#, #""acme\u200b""#, #""\u0430cme""#, #""ａcme""#,
    #""acmé""#, #""a😀""#, #""a*b""#, #""a?b""#, #""a#b""#, #""a%2Fb""#, #""a\\b""#, #""a\"b""#,
    "1", "12.5", "true", "false", "null", #"["acme"]"#, #"{"id":"acme"}"#,
]

private let badNumbers = [
    #""3""#, "true", "false", "3.5", "-1", "-0.5", "9223372036854775808", "18446744073709551616",
    "1e300", #"[3]"#, #"{"v":3}"#, #""""#,
]

private let refusedBodies: [RefusedBody] = {
    let order = WebhookBody.order
    var cases: [RefusedBody] = []
    for name in ["entityType", "action", "orgId", "orderId", "data"] {
        cases.append(RefusedBody(order.removing(name), field: name))
        cases.append(RefusedBody(order.setting(name, "null"), field: name))
        cases.append(RefusedBody(order.setting(name, "[]"), field: name))
        cases.append(RefusedBody(order.setting(name, "42"), field: name))
    }
    for value in [#""Order""#, #""ORDER""#, #""order ""#, #""orders""#, #""item""#, #""""#, "true"] {
        cases.append(RefusedBody(order.setting("entityType", value), field: "entityType"))
    }
    for value in [#""create""#, #""Created""#, #""status-changed""#, #""""#, #"{"a":1}"#, "false"] {
        cases.append(RefusedBody(order.setting("action", value), field: "action"))
    }
    for value in badIDs {
        cases.append(RefusedBody(order.setting("orgId", value), field: "orgId"))
        cases.append(RefusedBody(order.setting("orderId", value), field: "orderId"))
        cases.append(RefusedBody(WebhookBody.item.setting("itemId", value), field: "itemId"))
    }
    for value in badNumbers {
        cases.append(RefusedBody(order.setting("version", value), field: "version"))
    }
    for value in [#""2025-03-14""#, #""2025-03-14T09:21:07""#, #""yesterday""#, "1741944067", #"{}"#, "true"] {
        cases.append(RefusedBody(order.setting("occurredAt", value), field: "occurredAt"))
    }
    cases.append(RefusedBody(WebhookBody.item.removing("itemId"), field: "itemId"))
    cases.append(RefusedBody(WebhookBody.item.setting("itemId", "null"), field: "itemId"))
    cases.append(RefusedBody(order.setting("itemId", #""line-1""#), field: "itemId"))
    cases.append(RefusedBody(order.setting("itemId", #""""#), field: "itemId"))
    for value in [#"[{"a":1}]"#, #""{}""#, "true", "1.5"] {
        cases.append(RefusedBody(order.setting("data", value), field: "data"))
    }
    return cases
}()

private let malformedBodies: [RefusedBody] = [
    RefusedBody("empty", bytes: [], field: nil),
    RefusedBody("white space", bytes: Array(" \n\t ".utf8), field: nil),
    RefusedBody("array", bytes: Array("[\(WebhookBody.order.text)]".utf8), field: nil),
    RefusedBody("string", bytes: Array(#""order""#.utf8), field: nil),
    RefusedBody("number", bytes: Array("42".utf8), field: nil),
    RefusedBody("null", bytes: Array("null".utf8), field: nil),
    RefusedBody("true", bytes: Array("true".utf8), field: nil),
    RefusedBody("truncated", bytes: WebhookBody.order.bytes.dropLast(), field: nil),
    RefusedBody("two objects", bytes: WebhookBody.order.bytes + WebhookBody.order.bytes, field: nil),
    RefusedBody("trailing garbage", bytes: WebhookBody.order.bytes + Array(" x".utf8), field: nil),
    RefusedBody("single quotes", bytes: Array("{'entityType':'order'}".utf8), field: nil),
    RefusedBody("lone 0xFF", bytes: [0xFF], field: nil),
    RefusedBody(
        "invalid UTF-8 in a string",
        bytes: Array(#"{"entityType":"order","orgId":"a"#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8),
        field: nil
    ),
    RefusedBody(
        "overlong slash in data",
        bytes: Array(#"{"data":{"k":""#.utf8) + [0xC0, 0xAF] + Array(#""}}"#.utf8),
        field: nil
    ),
    RefusedBody(
        "UTF-8 encoded surrogate in data",
        bytes: Array(#"{"data":{"k":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}}"#.utf8),
        field: nil
    ),
    RefusedBody("raw line break in a string", bytes: Array("{\"orgId\":\"a\nb\"}".utf8), field: nil),
    RefusedBody("NUL byte outside strings", bytes: Array("{\"a\":1}".utf8).dropLast() + [0, 0x7D], field: nil),
    RefusedBody("10 000 open brackets", bytes: Array(repeating: UInt8(ascii: "["), count: 10_000), field: nil),
]

/// A `data` object `depth` levels deep: depth 2 is `{"d":{}}`.
private func nestedData(depth: Int) -> String {
    String(repeating: #"{"d":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
}

@Suite struct PayloadValidatorTests {
    @Test func validOrderBecomesAnEvent() throws {
        let event = try PayloadValidator.validate(WebhookBody.order.bytes)
        #expect(
            event
                == OrderEvent(
                    entityType: .order,
                    action: .created,
                    orgID: "acme",
                    orderID: "ord_1",
                    itemID: nil,
                    version: 3,
                    occurredAt: "2025-03-14T09:21:07Z",
                    dataJSON: #"{"status":"pending"}"#
                )
        )
    }

    @Test func validItemKeepsItsItemID() throws {
        let event = try PayloadValidator.validate(WebhookBody.item.bytes)
        #expect(event.entityType == .orderItem)
        #expect(event.itemID == "line-1")
        #expect(event.entityType.messageType == "order_item_update")
    }

    @Test(arguments: OrderAction.allCases)
    func everyActionIsAccepted(_ action: OrderAction) throws {
        let body = WebhookBody.order.setting("action", "\"\(action.rawValue)\"")
        #expect(try PayloadValidator.validate(body.bytes).action == action)
    }

    @Test func optionalMembersMayBeMissingOrNull() throws {
        let bare = WebhookBody.order.removing("version").removing("occurredAt")
        let nulls = WebhookBody.order.setting("version", "null").setting("occurredAt", "null").setting("itemId", "null")
        for body in [bare, nulls] {
            let event = try PayloadValidator.validate(body.bytes)
            #expect(event.version == nil)
            #expect(event.occurredAt == nil)
            #expect(event.itemID == nil)
        }
    }

    @Test(arguments: [("0", Int64(0)), ("1", 1), ("9223372036854775807", Int64.max)])
    func versionKeepsEveryInt64(_ json: String, _ expected: Int64) throws {
        let body = WebhookBody.order.setting("version", json)
        #expect(try PayloadValidator.validate(body.bytes).version == expected)
    }

    @Test(arguments: ["a", "Z", "0", "_", ".", ":", "-", "..", "a.b:c_d-e", "A-Za-z0-9_.:-", longestID])
    func idsAtTheEdgesOfTheAlphabetAreAccepted(_ id: String) throws {
        // `.` and `:` are in the documented alphabet, so `..` is an ordinary id, never a path.
        let body = WebhookBody.item.setting("orgId", "\"\(id)\"").setting("orderId", "\"\(id)\"")
            .setting("itemId", "\"\(id)\"")
        let event = try PayloadValidator.validate(body.bytes)
        #expect(event.orgID == id && event.orderID == id && event.itemID == id)
    }

    @Test(arguments: refusedBodies)
    func badMemberIsRefusedNamingItsField(_ body: RefusedBody) {
        expectRefusal(body)
    }

    @Test(arguments: malformedBodies)
    func malformedBodyIsRefusedAsAWhole(_ body: RefusedBody) {
        expectRefusal(body)
    }

    @Test(arguments: [
        RefusedBody(
            "trailing comma in data",
            bytes: WebhookBody.order.setting("data", #"{"a":[1,],}"#).bytes,
            field: nil
        ),
        RefusedBody(
            "trailing comma at the top",
            bytes: Array((WebhookBody.order.text.dropLast() + ",}").utf8),
            field: nil
        ),
        RefusedBody(
            "UTF-16",
            bytes: Array(WebhookBody.order.text.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] },
            field: nil
        ),
    ])
    func bodyThatIsNotStrictJSONIsRefused(_ body: RefusedBody) throws {
        // RFC 8259: no trailing commas, and UTF-8 between systems; Foundation's decoder tolerates both.
        do {
            expectRefusal(body)
        }
    }

    @Test(arguments: ["orgId", "orderId", "entityType"])
    func duplicateMemberIsRefused(_ name: String) throws {
        // Parsers disagree on which duplicate wins (the first here, the last in JavaScript), so routing
        // must not depend on it.
        let value = name == "entityType" ? #""order_item""# : #""other""#
        let body = WebhookBody(members: WebhookBody.order.members + [(name, value)])
        do {
            let error = #expect(throws: PayloadError.self) { try PayloadValidator.validate(body.bytes) }
            #expect(error?.field == name)
        }
    }

    @Test func unknownMembersAreIgnored() throws {
        let body = WebhookBody.order.setting("extra", #"{"nested":[1,2,3]}"#).setting("source", #""erp""#)
        #expect(try PayloadValidator.validate(body.bytes).orderID == "ord_1")
    }

    @Test func dataPassesThroughAsTheSenderWroteItOnOneLine() throws {
        // Key order, number spelling and string contents reach subscribers unchanged; only the
        // whitespace between tokens goes, so pretty-printed data still travels as one line.
        let data = "{ \"z\" : 1,\n\t\"a\" : { \"y\" : [ true, null, \"x/ y \\\" \\n\" ],\r\n \"b\" : -2.50e+1 } }"
        let event = try PayloadValidator.validate(WebhookBody.order.setting("data", data).bytes)
        #expect(event.dataJSON == #"{"z":1,"a":{"y":[true,null,"x/ y \" \n"],"b":-2.50e+1}}"#)
    }

    @Test func theSameDataSpacedDifferentlyIsTheSameData() throws {
        let compact = try PayloadValidator.validate(WebhookBody.order.setting("data", #"{"a":[1,2]}"#).bytes)
        let spaced = try PayloadValidator.validate(WebhookBody.order.setting("data", "{\n  \"a\": [ 1, 2 ]\n}").bytes)
        #expect(compact.dataJSON == spaced.dataJSON)
    }

    @Test(arguments: [
        "line\nbreak", "tab\tquote\"backslash\\", "\u{2028}\u{2029}", "😀👩‍👩‍👧", "e\u{301}", "\u{0}\u{1F}\u{7F}",
        "Ünïcödé ✓", "</script>",
    ])
    func dataStringsSurviveReencoding(_ value: String) throws {
        let quoted = try #require(String(data: JSONSerialization.data(withJSONObject: [value]), encoding: .utf8))
        let body = WebhookBody.order.setting("data", #"{"s":\#(quoted.dropFirst().dropLast())}"#)
        let event = try PayloadValidator.validate(body.bytes)
        let parsed = try JSONSerialization.jsonObject(with: Data(event.dataJSON.utf8)) as? [String: Any]
        let string = try #require(parsed?["s"] as? String)
        #expect(Array(string.unicodeScalars) == Array(value.unicodeScalars))
    }

    @Test(arguments: ["12345678901234567890", "-9223372036854775809", "1e400"])
    func dataNumbersBeyondInt64AreNotChanged(_ number: String) throws {
        // openapi.yaml promises `data` reaches subscribers unchanged; a rewritten number is a changed value.
        let body = WebhookBody.order.setting("data", #"{"n":\#(number)}"#)
        guard number != "1e400" else {
            withKnownIssue("Foundation's JSONDecoder refuses numbers beyond Double, so the whole body fails") {
                let event = try PayloadValidator.validate(body.bytes)
                #expect(event.dataJSON == #"{"n":\#(number)}"#)
            }
            return
        }
        let event = try PayloadValidator.validate(body.bytes)
        #expect(event.dataJSON == #"{"n":\#(number)}"#)
    }

    @Test(arguments: ["0.1", "-2.5", "1.5e300", "123456789"])
    func ordinaryDataNumbersKeepTheirValue(_ number: String) throws {
        let event = try PayloadValidator.validate(WebhookBody.order.setting("data", #"{"n":\#(number)}"#).bytes)
        let parsed = try JSONSerialization.jsonObject(with: Data(event.dataJSON.utf8)) as? [String: Any]
        let value = try #require((parsed?["n"] as? NSNumber)?.doubleValue)
        #expect(value == Double(number))
    }

    @Test func dataNestedToTheLimitIsAccepted() throws {
        // The body object is level 1, so `data` may nest 31 levels.
        let body = WebhookBody.order.setting("data", nestedData(depth: JSONNesting.maxDepth - 1))
        let event = try PayloadValidator.validate(body.bytes)
        #expect(event.dataJSON.utf8.filter { $0 == UInt8(ascii: "{") }.count == JSONNesting.maxDepth - 1)
    }

    @Test(arguments: [JSONNesting.maxDepth, JSONNesting.maxDepth + 1, 1000])
    func dataNestedTooDeepIsRefusedClearly(_ depth: Int) {
        let body = WebhookBody.order.setting("data", nestedData(depth: depth))
        let error = #expect(throws: PayloadError.self) { try PayloadValidator.validate(body.bytes) }
        #expect(error?.message.contains("nest") == true)
        #expect(error?.message.contains("\(JSONNesting.maxDepth)") == true)
    }

    @Test func bracketsInsideStringsDoNotCountAsNesting() throws {
        let brackets = String(repeating: "[{", count: 100)
        let body = WebhookBody.order.setting("data", #"{"note":"\#(brackets)\"\\"}"#)
        #expect(try PayloadValidator.validate(body.bytes).dataJSON.contains(brackets))
    }

    @Test func oneMebibyteBodyOfValidJSONIsAccepted() throws {
        let filler = String(repeating: "x", count: 1024)
        let entries = (0..<1010).map { #""k\#($0)":"\#(filler)""# }
        let data = "{" + entries.joined(separator: ",") + "}"
        let body = WebhookBody.order.setting("data", data)
        #expect(body.bytes.count > 1_040_000 && body.bytes.count <= 1024 * 1024)
        let event = try PayloadValidator.validate(body.bytes)
        #expect(event.dataJSON.utf8.count == data.utf8.count)
    }

    @Test func errorsNeverEchoTheValueSent() {
        let marker = "evil<script>marker"
        let bodies = [
            WebhookBody.order.setting("orgId", "\"\(marker)\""),
            WebhookBody.order.setting("entityType", "\"\(marker)\""),
            WebhookBody.order.setting("occurredAt", "\"\(marker)\""),
            WebhookBody.order.setting("version", "\"\(marker)\""),
        ]
        for body in bodies {
            let error = #expect(throws: PayloadError.self) { try PayloadValidator.validate(body.bytes) }
            #expect(error.map { !String(describing: $0).contains("marker") } == true)
        }
    }

    @Test func versionWithAHugeExponentNamesTheVersionField() {
        // 1e400 is valid JSON grammar; the sender should hear that `version` is wrong, not that the body is not JSON.
        let body = WebhookBody.order.setting("version", "1e400")
        let error = #expect(throws: PayloadError.self) { try PayloadValidator.validate(body.bytes) }
        withKnownIssue("bug: a number outside Double's range fails the whole decode, so no field is named") {
            #expect(error?.field == "version")
        }
    }

    @Test func aSecondDataSpelledWithEscapesCannotSmuggleANonObject() {
        // The decoder unescapes keys and the raw-text scanner does not; both must agree on `data`.
        let body = WebhookBody.order.setting("data", "5").setting(#"d\u0061ta"#, "{}")
        let error = #expect(throws: PayloadError.self) { try PayloadValidator.validate(body.bytes) }
        #expect(error?.field == "data")
    }

    @Test func hugeValuesInScalarFieldsAreRefusedByTheirFieldName() {
        let deepButLegal = String(repeating: #"{"a":"#, count: 30) + "1" + String(repeating: "}", count: 30)
        let body = WebhookBody.order.setting("orgId", deepButLegal)
        let error = #expect(throws: PayloadError.self) { try PayloadValidator.validate(body.bytes) }
        #expect(error?.field == "orgId")
    }

    // `data` is passed on as text and never decoded; its grammar must still be checked in full.
    @Test(arguments: [
        "\"raw\nline break\"", "\"raw\ttab\"", #""bad \x escape""#, #""lone \ud800 surrogate""#,
        "01", "1.", "-", "1e",
    ])
    func malformedValuesInsideDataAreRefused(_ value: String) {
        let body = WebhookBody.order.setting("data", #"{"v":\#(value)}"#)
        let error = #expect(throws: PayloadError.self) { try PayloadValidator.validate(body.bytes) }
        #expect(error?.field == nil)
    }

    @Test(arguments: [0, 1, 128, 129])
    func idLengthRuleIsExact(_ length: Int) {
        let id = String(repeating: "k", count: length)
        #expect(PayloadValidator.isValidIdentifier(id) == (1...128).contains(length))
    }
}

private func expectRefusal(_ body: RefusedBody, sourceLocation: SourceLocation = #_sourceLocation) {
    let error = #expect(throws: PayloadError.self, sourceLocation: sourceLocation) {
        try PayloadValidator.validate(body.bytes)
    }
    guard let error else { return }
    #expect(error.field == body.field, sourceLocation: sourceLocation)
    if let field = body.field {
        #expect(error.message.contains("`\(field)`"), "message names the field", sourceLocation: sourceLocation)
    } else {
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
    }
}

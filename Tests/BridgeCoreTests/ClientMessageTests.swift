// Parsing of client WebSocket messages: what each good message becomes, and the field each bad one names.

import BridgeCore
import Testing

/// A frame and what it must parse to.
struct GoodClientMessage: Sendable, CustomTestStringConvertible {
    var json: String
    var expected: ClientMessage
    var testDescription: String { json }
}

/// A frame and the field its error must name (`nil` for the message as a whole).
struct BadClientMessage: Sendable, CustomTestStringConvertible {
    var json: String
    var field: String?
    var testDescription: String { String(json.prefix(80)) }

    init(_ json: String, field: String?) {
        self.json = json
        self.field = field
    }
}

private let longRoom = String(repeating: "r", count: ClientMessage.maxRoomBytes)

private let goodMessages = [
    GoodClientMessage(json: #"{"type":"auth","token":"abc.def.ghi"}"#, expected: .auth(token: "abc.def.ghi")),
    GoodClientMessage(
        json: #"{"type":"subscribe","room":"org"}"#,
        expected: .subscribe(.init(room: "org"))
    ),
    GoodClientMessage(
        json: #"{"type":"subscribe","room":"order:A-1","types":["order_update"],"since":0,"snapshot":true}"#,
        expected: .subscribe(.init(room: "order:A-1", types: ["order_update"], since: 0, snapshot: true))
    ),
    GoodClientMessage(
        json: #"{"type":"subscribe","room":"user","types":[],"since":9007199254740993,"snapshot":false}"#,
        expected: .subscribe(.init(room: "user", types: [], since: 9_007_199_254_740_993, snapshot: false))
    ),
    GoodClientMessage(
        json: #"{"type":"subscribe","room":"org","types":null,"since":null,"snapshot":null,"extra":{"x":1}}"#,
        expected: .subscribe(.init(room: "org"))
    ),
    GoodClientMessage(
        json: #"{"type":"subscribe","room":"\#(longRoom)"}"#,
        expected: .subscribe(.init(room: longRoom))
    ),
    // Room names are resolved later; odd ones pass through untouched.
    GoodClientMessage(json: #"{"type":"subscribe","room":""}"#, expected: .subscribe(.init(room: ""))),
    GoodClientMessage(json: #"{"type":"unsubscribe","room":"order:7"}"#, expected: .unsubscribe(room: "order:7")),
    GoodClientMessage(json: #"{"type":"ping"}"#, expected: .ping(id: nil)),
    GoodClientMessage(json: #"{"type":"ping","id":null}"#, expected: .ping(id: nil)),
    GoodClientMessage(json: #"{"type":"ping","id":7}"#, expected: .ping(id: .integer(7))),
    GoodClientMessage(json: #"{"type":"ping","id":"p-1"}"#, expected: .ping(id: .string("p-1"))),
    GoodClientMessage(
        json: #"{"type":"ping","id":{"n":[1,2]}}"#,
        expected: .ping(id: .object(["n": .array([.integer(1), .integer(2)])]))
    ),
    GoodClientMessage(json: " \n{\"type\" : \"ping\"}\n ", expected: .ping(id: nil)),
]

private let badMessages = [
    BadClientMessage("", field: nil),
    BadClientMessage("not json", field: nil),
    BadClientMessage("{\"type\":\"ping\"", field: nil),
    BadClientMessage("{\"type\":\"ping\"}{}", field: nil),
    BadClientMessage("[]", field: nil),
    BadClientMessage(#"[{"type":"ping"}]"#, field: nil),
    BadClientMessage("null", field: nil),
    BadClientMessage("\"ping\"", field: nil),
    BadClientMessage("42", field: nil),
    BadClientMessage(String(repeating: "[", count: 10_000), field: nil),
    BadClientMessage(
        #"{"a":"# + String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 101),
        field: nil
    ),
    BadClientMessage("{}", field: "type"),
    BadClientMessage(#"{"type":null}"#, field: "type"),
    BadClientMessage(#"{"type":1}"#, field: "type"),
    BadClientMessage(#"{"type":["ping"]}"#, field: "type"),
    BadClientMessage(#"{"type":"PING"}"#, field: "type"),
    BadClientMessage(#"{"type":"publish","room":"org"}"#, field: "type"),
    BadClientMessage(#"{"type":""}"#, field: "type"),
    BadClientMessage(#"{"type":"auth"}"#, field: "token"),
    BadClientMessage(#"{"type":"auth","token":""}"#, field: "token"),
    BadClientMessage(#"{"type":"auth","token":12}"#, field: "token"),
    BadClientMessage(#"{"type":"auth","token":{"jwt":"x"}}"#, field: "token"),
    BadClientMessage(#"{"type":"subscribe"}"#, field: "room"),
    BadClientMessage(#"{"type":"subscribe","room":null}"#, field: "room"),
    BadClientMessage(#"{"type":"subscribe","room":7}"#, field: "room"),
    BadClientMessage(#"{"type":"subscribe","room":["org"]}"#, field: "room"),
    BadClientMessage(#"{"type":"subscribe","room":"\#(longRoom)r"}"#, field: "room"),
    BadClientMessage(#"{"type":"unsubscribe"}"#, field: "room"),
    BadClientMessage(#"{"type":"unsubscribe","room":false}"#, field: "room"),
    BadClientMessage(#"{"type":"unsubscribe","room":"\#(longRoom)r"}"#, field: "room"),
    BadClientMessage(#"{"type":"subscribe","room":"org","types":"order_update"}"#, field: "types"),
    BadClientMessage(#"{"type":"subscribe","room":"org","types":[1]}"#, field: "types"),
    BadClientMessage(#"{"type":"subscribe","room":"org","types":[null]}"#, field: "types"),
    BadClientMessage(#"{"type":"subscribe","room":"org","types":[""]}"#, field: "types"),
    BadClientMessage(#"{"type":"subscribe","room":"org","types":[["a"]]}"#, field: "types"),
    BadClientMessage(#"{"type":"subscribe","room":"org","types":{"a":1}}"#, field: "types"),
    BadClientMessage(
        #"{"type":"subscribe","room":"org","types":["a","b","c","d","e","f","g","h","i"]}"#,
        field: "types"
    ),
    BadClientMessage(
        #"{"type":"subscribe","room":"org","types":["\#(String(repeating: "t", count: 65))"]}"#,
        field: "types"
    ),
    BadClientMessage(#"{"type":"subscribe","room":"org","since":-1}"#, field: "since"),
    BadClientMessage(#"{"type":"subscribe","room":"org","since":1.5}"#, field: "since"),
    BadClientMessage(#"{"type":"subscribe","room":"org","since":"10"}"#, field: "since"),
    BadClientMessage(#"{"type":"subscribe","room":"org","since":true}"#, field: "since"),
    BadClientMessage(#"{"type":"subscribe","room":"org","since":1e300}"#, field: "since"),
    BadClientMessage(#"{"type":"subscribe","room":"org","since":99999999999999999999}"#, field: "since"),
    BadClientMessage(#"{"type":"subscribe","room":"org","snapshot":"yes"}"#, field: "snapshot"),
    BadClientMessage(#"{"type":"subscribe","room":"org","snapshot":1}"#, field: "snapshot"),
]

@Suite struct ClientMessageTests {
    @Test(arguments: goodMessages)
    func goodMessageParses(_ message: GoodClientMessage) throws {
        #expect(try ClientMessage.parse(Array(message.json.utf8)) == message.expected)
    }

    @Test(arguments: badMessages)
    func badMessageIsRefusedNamingItsField(_ message: BadClientMessage) {
        #expect {
            try ClientMessage.parse(Array(message.json.utf8))
        } throws: { error in
            guard let error = error as? ClientMessageError else { return false }
            return error.code == .badMessage && error.field == message.field
                && (message.field.map { error.message.contains("`\($0)`") } ?? true)
        }
    }

    @Test func invalidUTF8IsRefused() {
        let frames: [[UInt8]] = [
            [0xFF], [0x7B, 0xFE, 0x7D], Array(#"{"type":"auth","token":""#.utf8) + [0xC3, 0x28, 0x22, 0x7D],
        ]
        for frame in frames {
            #expect(throws: ClientMessageError.self) { try ClientMessage.parse(frame) }
        }
    }

    @Test func errorNeverEchoesTheValue() {
        let secretish = "eyJhbGciOiJIUzI1NiJ9.secret-looking"
        #expect {
            try ClientMessage.parse(Array(#"{"type":"auth","token":["\#(secretish)"]}"#.utf8))
        } throws: { error in
            !String(describing: error).contains(secretish)
        }
    }
}

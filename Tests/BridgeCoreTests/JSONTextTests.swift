// The hand-written JSON writer: escaping that keeps every string on one line and round-trips it exactly.

import BridgeCore
import Foundation
import Testing

/// A string and the exact JSON text it must be written as.
struct EscapedString: Sendable, CustomTestStringConvertible {
    var value: String
    var json: String
    var testDescription: String { json }
}

private let escapes = [
    EscapedString(value: "", json: #""""#),
    EscapedString(value: "plain", json: #""plain""#),
    EscapedString(value: "\"", json: #""\"""#),
    EscapedString(value: "\\", json: #""\\""#),
    EscapedString(value: "\n", json: #""\n""#),
    EscapedString(value: "\r", json: #""\r""#),
    EscapedString(value: "\t", json: #""\t""#),
    EscapedString(value: "\u{0}", json: #""\u0000""#),
    EscapedString(value: "\u{8}\u{C}", json: #""\u0008\u000c""#),
    EscapedString(value: "\u{1B}[31m", json: #""\u001b[31m""#),
    EscapedString(value: "\u{1F}", json: #""\u001f""#),
    EscapedString(value: "\u{7F}", json: #""\u007f""#),
    EscapedString(value: "\u{2028}", json: #""\u2028""#),
    EscapedString(value: "\u{2029}", json: #""\u2029""#),
    EscapedString(value: "a\u{2028}b\u{2029}c", json: #""a\u2028b\u2029c""#),
    // Neighbours of U+2028 share its first two UTF-8 bytes and must pass through untouched.
    EscapedString(value: "\u{2027}\u{202A}\u{2020}", json: "\"\u{2027}\u{202A}\u{2020}\""),
    EscapedString(value: "/", json: #""/""#),
    EscapedString(value: "</script>", json: #""</script>""#),
    EscapedString(value: "é😀", json: "\"é😀\""),
    EscapedString(value: "\u{85}", json: "\"\u{85}\""),
]

/// Strings chosen to break a careless escaper.
private let hostileStrings = [
    "line\nbreak", "carriage\rreturn", "\r\n{\"level\":\"error\"}", "quote\"inside", "back\\slash", "\\\"",
    "\\u0000", "\u{0}\u{1}\u{2}\u{3}\u{1F}\u{7F}", "\u{2028}\u{2029}", "\u{E2}\u{80}", "\u{FEFF}bom",
    "😀👩‍👩‍👧‍👦🏳️‍🌈", "e\u{301}\u{302}\u{303}", "Z\u{335}\u{321}a\u{336}l", "\u{10FFFF}", "\u{FFFD}", "日本語テキスト",
    "עברית", "\u{202E}override", String(repeating: "\"\\\n", count: 1000),
]

@Suite struct JSONTextTests {
    @Test(arguments: escapes)
    func stringIsEscapedExactly(_ entry: EscapedString) {
        var json = JSONText()
        json.string(entry.value)
        #expect(json.text == entry.json)
    }

    @Test(arguments: hostileStrings)
    func hostileStringStaysOnOneLineAndRoundTrips(_ value: String) throws {
        let lostBOM = try expectSafeRoundTrip(value)
        if value.unicodeScalars.contains("\u{FEFF}") { expectNoLostBOM(lostBOM ? 1 : 0) }
    }

    @Test func thousandRandomStringsParseAndRoundTrip() throws {
        var generator = SeededGenerator(seed: 0xC0FF_EE00_1234)
        var lost = 0
        for _ in 0..<1000 {
            if try expectSafeRoundTrip(randomString(using: &generator)) { lost += 1 }
        }
        expectNoLostBOM(lost)
    }

    @Test func objectsNestWithCommasInTheRightPlaces() {
        let bytes = JSONText.object { json in
            json.field("a", Int64(1))
            json.key("b")
            json.beginObject()
            json.field("c", true)
            json.field("d", Optional<String>.none)
            json.endObject()
            json.field("e", "x")
            json.key("f")
            json.beginObject()
            json.endObject()
            json.key("g")
            json.raw(#"[1,{"h":2}]"#)
            json.field("i", false)
        }
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == #"{"a":1,"b":{"c":true,"d":null},"e":"x","f":{},"g":[1,{"h":2}],"i":false}"#
        )
    }

    @Test func arraysSeparateTheirElements() {
        let bytes = JSONText.object { json in
            json.key("a")
            json.beginArray()
            json.string("x")
            json.integer(2)
            json.beginObject()
            json.field("b", true)
            json.endObject()
            json.beginArray()
            json.endArray()
            json.bool(false)
            json.endArray()
            json.field("c", Optional<Int64>.none)
        }
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"a":["x",2,{"b":true},[],false],"c":null}"#)
    }

    @Test(arguments: [Int64.min, -1, 0, 1, Int64.max])
    func integersAreWrittenExactly(_ value: Int64) throws {
        var json = JSONText()
        json.integer(value)
        #expect(json.text == String(value))
        let bytes = JSONText.object { $0.field("n", value) }
        let parsed = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        #expect((parsed?["n"] as? NSNumber)?.int64Value == value)
    }

    @Test func missingValuesAreNull() {
        let bytes = JSONText.object { json in
            json.field("s", Optional<String>.none)
            json.field("n", Optional<Int64>.none)
        }
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"s":null,"n":null}"#)
    }

    @Test(arguments: hostileStrings)
    func keysAreEscapedLikeValues(_ key: String) throws {
        let bytes = JSONText.object { $0.field(key, "v") }
        #expect(!bytes.contains(UInt8(ascii: "\n")) && !bytes.contains(UInt8(ascii: "\r")))
        let parsed = try JSONDecoder().decode([String: String].self, from: Data(bytes))
        #expect(parsed.keys.map(scalars) == [scalars(key)])
        #expect(try JSONSerialization.jsonObject(with: Data(bytes)) is [String: String])
    }

    @Test func emptyObjectIsTwoBraces() {
        #expect(JSONText.object { _ in } == Array("{}".utf8))
    }
}

/// Checks that `value` is written without raw line breaks or control bytes and parses back to the same scalars.
/// Returns true when JSONSerialization lost a U+FEFF, the one difference it tolerates (see `expectNoLostBOM`).
@discardableResult
private func expectSafeRoundTrip(_ value: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
    var json = JSONText()
    json.beginObject()
    json.field("v", value)
    json.endObject()
    let bytes = json.bytes
    let unsafe = bytes.contains { $0 < 0x20 || $0 == 0x7F }
    #expect(!unsafe, "raw control byte in \(json.text.debugDescription)", sourceLocation: sourceLocation)
    #expect(!json.text.contains("\u{2028}") && !json.text.contains("\u{2029}"), sourceLocation: sourceLocation)

    let decoded = try JSONDecoder().decode([String: String].self, from: Data(bytes))
    #expect(decoded["v"].map(scalars) == scalars(value), "JSONDecoder", sourceLocation: sourceLocation)

    let parsed = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: String]
    let back = try #require(parsed?["v"], sourceLocation: sourceLocation)
    let withoutBOM = { (text: String) in scalars(text).filter { $0 != "\u{FEFF}" } }
    #expect(withoutBOM(back) == withoutBOM(value), "JSONSerialization", sourceLocation: sourceLocation)
    return scalars(back) != scalars(value)
}

/// Foundation on Linux drops a raw U+FEFF that opens a string or follows an escape (`\ufeff` survives), so
/// JSONText escapes it; no string may lose one.
private func expectNoLostBOM(_ lost: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(lost == 0, "strings that lost a U+FEFF", sourceLocation: sourceLocation)
}

private func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }

/// A string of up to 40 scalars drawn mostly from the ranges that need care.
private func randomString(using generator: inout SeededGenerator) -> String {
    let length = Int(generator.next() % 41)
    var scalars = String.UnicodeScalarView()
    for _ in 0..<length {
        let value: UInt32
        switch generator.next() % 10 {
        case 0: value = UInt32(generator.next() % 0x20)
        case 1: value = [0x22, 0x5C, 0x2F, 0x7F, 0x2028, 0x2029, 0xFEFF][Int(generator.next() % 7)]
        case 2: value = 0x0300 + UInt32(generator.next() % 0x70)
        case 3: value = 0x1F300 + UInt32(generator.next() % 0x700)
        case 4: value = 0x2000 + UInt32(generator.next() % 0x70)
        case 5: value = 0x10000 + UInt32(generator.next() % 0x100000)
        case 6: value = 0x80 + UInt32(generator.next() % 0xD780)
        case 7: value = 0xE000 + UInt32(generator.next() % 0x2000)
        default: value = 0x20 + UInt32(generator.next() % 0x5F)
        }
        if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
    }
    return String(scalars)
}

/// SplitMix64: deterministic, so a failure replays on every run.
private struct SeededGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

// The nesting pre-check that guards the recursive decoder: exact depth, strings skipped, escapes honoured.

import BridgeCore
import Testing

/// JSON text and whether it stays within the default depth of 32.
struct NestingCase: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var within: Bool
    var testDescription: String { name }
}

private func arrays(_ depth: Int) -> String {
    String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
}

private func objects(_ depth: Int) -> String {
    String(repeating: #"{"k":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
}

private let nestingCases = [
    NestingCase(name: "empty input", text: "", within: true),
    NestingCase(name: "scalar", text: "42", within: true),
    NestingCase(name: "string", text: #""[[[[""#, within: true),
    NestingCase(name: "flat object", text: #"{"a":1,"b":[1,2,3]}"#, within: true),
    NestingCase(name: "32 arrays", text: arrays(32), within: true),
    NestingCase(name: "33 arrays", text: arrays(33), within: false),
    NestingCase(name: "32 objects", text: objects(32), within: true),
    NestingCase(name: "33 objects", text: objects(33), within: false),
    NestingCase(
        name: "32 mixed",
        text: String(repeating: #"{"a":["#, count: 16) + String(repeating: "]}", count: 16),
        within: true
    ),
    NestingCase(
        name: "34 mixed",
        text: String(repeating: #"{"a":["#, count: 17) + String(repeating: "]}", count: 17),
        within: false
    ),
    NestingCase(
        name: "many siblings at depth 2",
        text: "[" + Array(repeating: "[]", count: 5000).joined(separator: ",") + "]",
        within: true
    ),
    NestingCase(
        name: "brackets in a string",
        text: #"[""# + String(repeating: "[{", count: 100) + #""]"#,
        within: true
    ),
    NestingCase(
        name: "escaped quote keeps the string open",
        text: #"["\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]"#,
        within: true
    ),
    NestingCase(
        name: "escaped backslash closes the string",
        text: #"["\\"# + "\"," + arrays(32) + "]",
        within: false
    ),
    NestingCase(
        name: "escaped backslash then 31 levels",
        text: #"["\\"# + "\"," + arrays(31) + "]",
        within: true
    ),
    NestingCase(
        name: "unicode escape of a quote",
        text: #"["\u0022[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]"#,
        within: true
    ),
    NestingCase(name: "10 000 open brackets", text: String(repeating: "[", count: 10_000), within: false),
]

@Suite struct JSONNestingTests {
    @Test func limitIsThirtyTwo() {
        #expect(JSONNesting.maxDepth == 32)
    }

    @Test(arguments: nestingCases)
    func depthIsMeasuredOutsideStrings(_ entry: NestingCase) {
        #expect(JSONNesting.isWithin(Array(entry.text.utf8)) == entry.within)
    }

    @Test(arguments: [0, 1, 2, 5])
    func customLimitIsExact(_ limit: Int) {
        #expect(JSONNesting.isWithin(Array(arrays(limit).utf8), limit: limit))
        #expect(!JSONNesting.isWithin(Array(arrays(limit + 1).utf8), limit: limit))
    }

    @Test func bracketsAfterAStringClosedByAnEscapedBackslashCount() {
        // `"\\"` ends the string; a checker that treated `\"` as escaped would miss the depth that follows.
        let text = #"{"k":"\\","n":"# + arrays(40) + "}"
        #expect(!JSONNesting.isWithin(Array(text.utf8)))
    }

    @Test func mebibyteOfOpenBracketsIsRefused() {
        #expect(!JSONNesting.isWithin([UInt8](repeating: UInt8(ascii: "{"), count: 1024 * 1024)))
    }
}

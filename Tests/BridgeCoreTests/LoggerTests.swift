// The structured logger: one parseable line per event, no forged lines, level filtering and the text format.

import BridgeCore
import Foundation
import Synchronization
import Testing

/// Collects the lines a logger writes.
private final class LineCollector: Sendable {
    private let storage = Mutex<[String]>([])

    var lines: [String] { storage.withLock { $0 } }

    func append(_ line: String) { storage.withLock { $0.append(line) } }
}

/// 2023-11-14T22:13:20.500Z, exactly representable so the milliseconds are exact.
private let fixedTime = 1_700_000_000.5

private func makeLogger(
    _ level: LogLevel = .trace,
    _ format: LogFormat = .json,
    time: Double = fixedTime
) -> (Logger, LineCollector) {
    let collector = LineCollector()
    let logger = Logger(level: level, format: format, clock: { time }, sink: { collector.append($0) })
    return (logger, collector)
}

private func parse(_ line: String) throws -> [String: String] {
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
    return try #require(object as? [String: String])
}

/// Values that try to end the line or the JSON string early.
private let hostileValues = [
    "plain", "", "two\nlines", "\r\n{\"time\":\"x\",\"level\":\"error\",\"message\":\"forged\"}", "quote\"brace}",
    "back\\slash\\", "\u{2028}js line\u{2029}", "\u{0}\u{7}\u{1B}[2J\u{7F}", "\\n not a newline", "😀 e\u{301}",
    "tab\there", "\u{85}next-line", String(repeating: "\n", count: 500),
]

@Suite struct LoggerTests {
    @Test func jsonLineHasTimeLevelMessageThenFields() throws {
        let (logger, collector) = makeLogger()
        logger.with(Logger.Key.connection, "7").info("ws.closed", (Logger.Key.closeCode, "1000"))
        #expect(
            collector.lines == [
                #"{"time":"2023-11-14T22:13:20.500Z","level":"info","message":"ws.closed","ws.connection":"7","ws.close_code":"1000"}"#
            ]
        )
    }

    @Test func textLineIsTimeLevelMessageAndQuotedFields() {
        let (logger, collector) = makeLogger(.info, .text)
        logger.warning("listening", (Logger.Key.address, "http://127.0.0.1:8080"), ("note", "a \"b\""))
        #expect(
            collector.lines == [
                #"2023-11-14T22:13:20.500Z WARNING listening net.address="http://127.0.0.1:8080" note="a \"b\"""#
            ]
        )
    }

    @Test(arguments: hostileValues)
    func hostileValueStaysInsideOneJSONLine(_ value: String) throws {
        let (logger, collector) = makeLogger()
        logger.with("request.id", value).error("webhook.refused", (Logger.Key.error, value))
        let line = try #require(collector.lines.first)
        #expect(collector.lines.count == 1)
        #expect(!line.utf8.contains { $0 < 0x20 || $0 == 0x7F })
        #expect(!line.contains("\u{2028}") && !line.contains("\u{2029}"))
        let fields = try parse(line)
        #expect(fields["message"] == "webhook.refused")
        #expect(fields["level"] == "error")
        #expect(fields["error"].map { Array($0.unicodeScalars) } == Array(value.unicodeScalars))
        #expect(fields["request.id"].map { Array($0.unicodeScalars) } == Array(value.unicodeScalars))
    }

    @Test(arguments: hostileValues)
    func hostileValueStaysInsideOneTextLine(_ value: String) throws {
        let (logger, collector) = makeLogger(.trace, .text)
        logger.info("webhook.refused", (Logger.Key.error, value))
        let line = try #require(collector.lines.first)
        #expect(!line.utf8.contains { $0 < 0x20 || $0 == 0x7F })
        #expect(!line.contains("\u{2028}") && !line.contains("\u{2029}"))
        let prefix = "2023-11-14T22:13:20.500Z INFO webhook.refused error="
        #expect(line.hasPrefix(prefix))
        let quoted = String(line.dropFirst(prefix.count))
        let decoded = try JSONSerialization.jsonObject(with: Data(quoted.utf8), options: .fragmentsAllowed) as? String
        #expect(decoded.map { Array($0.unicodeScalars) } == Array(value.unicodeScalars))
    }

    @Test(arguments: [LogFormat.json, .text])
    func hostileKeyCannotStartANewLine(_ format: LogFormat) throws {
        // Keys come from code today, but `with(_:_:)` takes any string; a key must be escaped like a value.
        let (logger, collector) = makeLogger(.trace, format)
        logger.info("event", ("key\nFORGED 2023-11-14T22:13:20.500Z ERROR", "v"))
        let line = collector.lines.first ?? ""
        if format == .text {
            do {
                #expect(!line.contains("\n"))
            }
        } else {
            #expect(!line.contains("\n"))
        }
    }

    @Test(arguments: LogLevel.allCases, LogLevel.allCases)
    func lineIsWrittenOnlyAtOrAboveTheThreshold(_ threshold: LogLevel, _ level: LogLevel) {
        let (logger, collector) = makeLogger(threshold)
        switch level {
        case .trace: logger.trace("event")
        case .debug: logger.debug("event")
        case .info: logger.info("event")
        case .warning: logger.warning("event")
        case .error: logger.error("event")
        }
        let order: [LogLevel] = [.trace, .debug, .info, .warning, .error]
        let written = (order.firstIndex(of: level) ?? 0) >= (order.firstIndex(of: threshold) ?? 0)
        #expect(collector.lines.count == (written ? 1 : 0))
        #expect(logger.isEnabled(level) == written)
    }

    @Test func levelsAreOrderedBySeverity() {
        #expect(LogLevel.allCases == [.trace, .debug, .info, .warning, .error])
        #expect(LogLevel.allCases.sorted() == LogLevel.allCases)
    }

    @Test func withAddsMetadataToACopyOnly() throws {
        let (base, collector) = makeLogger()
        let tagged = base.with("request.id", "r1").with("webhook.source", "shop")
        base.info("base")
        tagged.info("tagged", ("count", "2"))
        #expect(collector.lines.count == 2)
        #expect(try parse(collector.lines[0]).count == 3)
        #expect(collector.lines[1].hasSuffix(#""request.id":"r1","webhook.source":"shop","count":"2"}"#))
    }

    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (0.25, "1970-01-01T00:00:00.250Z"),
        (951_782_400.0, "2000-02-29T00:00:00.000Z"),
        (951_868_800.0, "2000-03-01T00:00:00.000Z"),
        (1_709_164_799.5, "2024-02-28T23:59:59.500Z"),
        (1_709_164_800.0, "2024-02-29T00:00:00.000Z"),
        (1_735_689_599.0, "2024-12-31T23:59:59.000Z"),
        (4_102_444_800.0, "2100-01-01T00:00:00.000Z"),
        (-1.0, "1969-12-31T23:59:59.000Z"),
    ])
    func timeIsUTCWithMilliseconds(_ time: Double, _ expected: String) throws {
        let (logger, collector) = makeLogger(.info, .json, time: time)
        logger.info("tick")
        #expect(try parse(try #require(collector.lines.first))["time"] == expected)
    }
}

// Structured logging: a constant message plus dotted metadata keys, one event per line.

/// How severe a log event is.
public enum LogLevel: String, Sendable, Comparable, CaseIterable {
    case trace, debug, info, warning, error

    private var rank: Int {
        switch self {
        case .trace: 0
        case .debug: 1
        case .info: 2
        case .warning: 3
        case .error: 4
        }
    }

    /// Orders levels by severity, `trace` lowest and `error` highest.
    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }
}

/// How log lines are written.
public enum LogFormat: String, Sendable {
    /// One JSON object per line.
    case json
    /// `time level message key=value …`, for people at a terminal.
    case text
}

/// A logger that carries metadata (a request or connection id) and writes through a sink.
/// Values are escaped so that no input can start a new line.
public struct Logger: Sendable {
    /// Metadata keys, defined once.
    public enum Key {
        /// The configured webhook source the request came from.
        public static let webhookSource = "webhook.source"
        /// The sender's `webhook-id` header, the idempotency key of a delivery.
        public static let webhookID = "webhook.id"
        /// The bridge's own id for a stored event.
        public static let eventID = "event.id"
        /// The numeric id of a WebSocket connection, unique within the process.
        public static let connection = "ws.connection"
        /// The status code of an HTTP response the bridge sent.
        public static let httpStatus = "http.status"
        /// The path of an HTTP request.
        public static let httpPath = "http.path"
        /// The id given to an HTTP request at the boundary, to tie its lines together.
        public static let requestID = "request.id"
        /// A network address, such as the URL the server listens on.
        public static let address = "net.address"
        /// The safe `description` of an error; never a payload or secret.
        public static let error = "error"
        /// The WebSocket close code the bridge sends when closing a connection.
        public static let closeCode = "ws.close_code"
        /// The stable code of why something was rejected or closed.
        public static let reason = "reason"
        /// A number of items, such as events in a batch or connections being drained.
        public static let count = "count"
    }

    /// Where finished lines go.
    public typealias Sink = @Sendable (String) -> Void

    /// The least severe level that is written; events below it are dropped.
    public var level: LogLevel
    /// How each line is rendered.
    public var format: LogFormat
    /// Key-value pairs added to every line, before the fields of the call.
    public var metadata: [(String, String)]
    private let sink: Sink
    private let clock: @Sendable () -> Double

    /// Creates a logger that writes lines at `level` or above to `sink`; `clock` gives Unix time in seconds.
    public init(
        level: LogLevel,
        format: LogFormat,
        metadata: [(String, String)] = [],
        clock: @escaping @Sendable () -> Double,
        sink: @escaping Sink
    ) {
        self.level = level
        self.format = format
        self.metadata = metadata
        self.clock = clock
        self.sink = sink
    }

    /// A copy that adds `value` under `key` to every line.
    public func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy.metadata.append((key, value))
        return copy
    }

    /// Logs `message` at `trace`: fine-grained detail, normally off.
    public func trace(_ message: StaticString, _ fields: (String, String)...) { log(.trace, message, fields) }
    /// Logs `message` at `debug`: per-request and per-message outcomes.
    public func debug(_ message: StaticString, _ fields: (String, String)...) { log(.debug, message, fields) }
    /// Logs `message` at `info`: the life of the process, such as listening or draining.
    public func info(_ message: StaticString, _ fields: (String, String)...) { log(.info, message, fields) }
    /// Logs `message` at `warning`: something an operator should look at.
    public func warning(_ message: StaticString, _ fields: (String, String)...) { log(.warning, message, fields) }
    /// Logs `message` at `error`: a failure an operator must act on.
    public func error(_ message: StaticString, _ fields: (String, String)...) { log(.error, message, fields) }

    /// True when lines at `level` are written; lets callers skip building costly fields.
    public func isEnabled(_ level: LogLevel) -> Bool { level >= self.level }

    private func log(_ level: LogLevel, _ message: StaticString, _ fields: [(String, String)]) {
        guard isEnabled(level) else { return }
        let all = metadata + fields
        let time = clock()
        switch format {
        case .json:
            var json = JSONText(capacity: 160)
            json.beginObject()
            json.field("time", LogTime.iso8601(time))
            json.field("level", level.rawValue)
            json.field("message", message.description)
            for (key, value) in all { json.field(key, value) }
            json.endObject()
            sink(json.text)
        case .text:
            var line = "\(LogTime.iso8601(time)) \(level.rawValue.uppercased()) \(message)"
            for (key, value) in all {
                var quoted = JSONText()
                quoted.string(value)
                let safeKey = String(key.unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F && $0 != "=" })
                line += " \(safeKey)=\(quoted.text)"
            }
            sink(line)
        }
    }
}

/// Formats Unix times for log lines without Foundation's formatters.
enum LogTime {
    static func iso8601(_ seconds: Double) -> String {
        let whole = Int64(seconds.rounded(.down))
        let millis = Int64(((seconds - Double(whole)) * 1000).rounded(.down))
        let days = whole >= 0 ? whole / 86_400 : (whole - 86_399) / 86_400
        let secondsOfDay = whole - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
            + "\(pad(secondsOfDay / 3600, 2)):\(pad(secondsOfDay / 60 % 60, 2)):\(pad(secondsOfDay % 60, 2))."
            + "\(pad(millis, 3))Z"
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's well-known algorithm).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}

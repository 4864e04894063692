// The samples of a Prometheus text exposition, by series, for tests that compare counters.

import Foundation

/// Every sample line of a `/metrics` document, keyed by its series exactly as written:
/// the metric name followed by its label block, such as `bridge_rooms` or
/// `bridge_webhooks_outcomes_total{outcome="accepted"}`.
struct PrometheusSamples: CustomStringConvertible {
    /// Values by series.
    var values: [String: Double]

    /// Reads `text`; comment lines and blank lines are skipped, a malformed line is an error.
    init(_ text: String) throws {
        values = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw TestClientError.protocolViolation("not a sample line: \(line.prefix(200))")
            }
            values[String(line[..<space])] = value
        }
    }

    /// The value of `series`, nil when the document has no such line.
    subscript(series: String) -> Double? {
        values[series]
    }

    /// How far `series` moved since `earlier`, a missing line counting as 0; nil when neither has it.
    func change(of series: String, since earlier: PrometheusSamples) -> Double? {
        guard values[series] != nil || earlier.values[series] != nil else { return nil }
        return (values[series] ?? 0) - (earlier.values[series] ?? 0)
    }

    var description: String {
        values.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "\n")
    }
}

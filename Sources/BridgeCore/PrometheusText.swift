// Writes metrics in the Prometheus text exposition format (version 0.0.4).

/// Builds one exposition document; each metric family gets its HELP and TYPE lines once.
public struct PrometheusText: Sendable {
    /// The document so far.
    public private(set) var text = ""

    /// An empty document.
    public init() {}

    /// A counter family with one unlabelled sample; `name` must end in `_total`.
    public mutating func counter(_ name: String, help: String, value: Double) {
        family(name, help: help, type: "counter")
        sample(name, [], value)
    }

    /// A counter family with one sample per label value.
    public mutating func counter(_ name: String, help: String, label: String, values: [(String, Double)]) {
        family(name, help: help, type: "counter")
        for (labelValue, value) in values { sample(name, [(label, labelValue)], value) }
    }

    /// A gauge family with one unlabelled sample.
    public mutating func gauge(_ name: String, help: String, value: Double) {
        family(name, help: help, type: "gauge")
        sample(name, [], value)
    }

    /// A histogram family; `labels` distinguish several histograms of one family.
    public mutating func histogram(_ name: String, help: String, series: [([(String, String)], Histogram)]) {
        family(name, help: help, type: "histogram")
        for (labels, histogram) in series {
            var cumulative: UInt64 = 0
            for (index, bound) in histogram.bounds.enumerated() {
                cumulative &+= histogram.counts[index]
                sample(name + "_bucket", labels + [("le", Self.number(bound))], Double(cumulative))
            }
            sample(name + "_bucket", labels + [("le", "+Inf")], Double(histogram.count))
            sample(name + "_sum", labels, histogram.sum)
            sample(name + "_count", labels, Double(histogram.count))
        }
    }

    private mutating func family(_ name: String, help: String, type: String) {
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(type)\n"
    }

    private mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
        }
        text += " " + Self.number(value) + "\n"
    }

    private static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    private static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func escapeLabel(_ text: String) -> String {
        escapeHelp(text).replacingOccurrences(of: "\"", with: "\\\"")
    }
}

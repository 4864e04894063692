// Reading `GET /metrics` of a test server and having promtool judge it.

import Foundation

extension BridgeProcess {
    /// The `/metrics` document as text; throws unless it answers 200.
    func metricsText() throws -> String {
        let response = try TestHTTPClient(port: port).get("/metrics")
        guard response.status == 200 else {
            throw TestClientError.protocolViolation("GET /metrics answered \(response.summary)")
        }
        return response.text
    }

    /// The `/metrics` samples.
    func metrics() throws -> PrometheusSamples {
        try PrometheusSamples(metricsText())
    }

    /// `promtool check metrics` run on `text`: nil when it accepts it, else what it reported.
    static func promtoolProblems(_ text: String) throws -> String? {
        let result = try ExternalTool.promtool().run(["check", "metrics"], input: Array(text.utf8))
        guard result.status != 0 else { return nil }
        let status = result.status.map(String.init) ?? "killed"
        return "promtool exited with \(status): \(result.stdout)\(result.stderr)"
    }
}

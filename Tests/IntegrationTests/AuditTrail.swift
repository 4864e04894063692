// Reading the security audit trail of a test server: its `[SECURITY_AUDIT]` lines and API calls.

import BridgeCore
import Foundation
import Testing

/// The audit lines a `BridgeProcess` wrote, and the JSON API calls the notification and audit
/// tests make.
enum AuditTrail {
    /// The stable prefix of every audit line.
    static let prefix = "[SECURITY_AUDIT] "

    /// Every audit line in `log`, prefix removed, in order.
    static func lines(in log: String) -> [String] {
        log.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { $0.hasPrefix(prefix) }
            .map { String($0.dropFirst(prefix.count)) }
    }

    /// Every audit line parsed as JSON; a line that does not parse is recorded as an issue.
    static func records(_ server: BridgeProcess) -> [JSONValue] {
        lines(in: server.log).compactMap { line in
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)) else {
                Issue.record("an audit line is not JSON: \(line.prefix(300))")
                return nil
            }
            return value
        }
    }

    /// The records carrying `requestID`, waiting (at most `bound`, polling every 20 ms) until
    /// there is at least one.
    static func records(
        of requestID: String,
        in server: BridgeProcess,
        within bound: Duration = .seconds(5)
    ) -> [JSONValue] {
        let deadline = ContinuousClock.now + bound
        for _ in 0..<1_000 {
            let found = records(server).filter { $0["requestId"]?.stringValue == requestID }
            if !found.isEmpty || ContinuousClock.now >= deadline { return found }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return []
    }

    /// The one record of the request `response` answered; records an issue unless there is
    /// exactly one.
    static func record(
        of response: HTTPResponse,
        in server: BridgeProcess,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> JSONValue? {
        guard let requestID = response.header("x-request-id") else {
            Issue.record("response has no x-request-id: \(response.summary)", sourceLocation: sourceLocation)
            return nil
        }
        let found = records(of: requestID, in: server)
        #expect(found.count == 1, "audit records of \(requestID): \(found)", sourceLocation: sourceLocation)
        return found.first
    }

    /// Sends one JSON API request with an optional bearer token.
    static func call(
        _ server: BridgeProcess,
        _ method: String,
        _ path: String,
        token: String? = nil,
        body: String? = nil,
        headers: [(String, String)] = []
    ) throws -> HTTPResponse {
        var all = headers
        if let token { all.append(("Authorization", "Bearer \(token)")) }
        if body != nil { all.append(("Content-Type", "application/json")) }
        return try TestHTTPClient(port: server.port).request(method, path, headers: all, body: Array((body ?? "").utf8))
    }

    /// `object` as JSON text.
    static func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The elements of `value` when it is an array, else none.
    static func array(_ value: JSONValue?) -> [JSONValue] {
        if case .array(let elements)? = value { return elements }
        return []
    }
}

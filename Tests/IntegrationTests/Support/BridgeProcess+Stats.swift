// Reading `GET /api/stats` of a test server: the rejection counters and the connection counts.

import BridgeCore
import Foundation

extension BridgeProcess {
    /// The stats document, read with an admin token (any organisation's admin may read it).
    func stats() throws -> JSONValue {
        let token = TestJWT.make(sub: "stats-reader", org: "stats", role: "admin")
        let response = try TestHTTPClient(port: port).get("/api/stats", headers: [("Authorization", "Bearer \(token)")])
        guard response.status == 200, let json = response.json else {
            throw TestClientError.protocolViolation("GET /api/stats answered \(response.summary)")
        }
        return json
    }

    /// The current rejection counters.
    func rejectionCounters() throws -> RejectionCounters {
        try RejectionCounters(stats: stats())
    }

    /// Polls stats every 50 ms until `connections.current` equals `count`; false when `bound`
    /// passes first. Closing is asynchronous on the server, so tests wait for it this way.
    @discardableResult
    func waitForConnections(_ count: Int64, within bound: Duration = .seconds(5)) throws -> Bool {
        try waitForStats(["connections", "current"], toEqual: count, within: bound)
    }

    /// Polls stats every 50 ms until `cluster.connections` (this instance's and those it heard
    /// of through the broker) equals `count`; false when `bound` passes first.
    @discardableResult
    func waitForClusterConnections(_ count: Int64, within bound: Duration = .seconds(10)) throws -> Bool {
        try waitForStats(["cluster", "connections"], toEqual: count, within: bound)
    }

    /// Polls stats every 50 ms until the integer at `path` equals `value`; false when `bound`
    /// passes first.
    private func waitForStats(_ path: [String], toEqual value: Int64, within bound: Duration) throws -> Bool {
        let deadline = ContinuousClock.now + bound
        while true {
            var node: JSONValue? = try stats()
            for key in path { node = node?[key] }
            if node?.integerValue == value { return true }
            guard ContinuousClock.now < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}

// Reading the acknowledgement outbox of a running bridge through its admin API.

import BridgeCore
import Foundation

extension BridgeProcess {
    /// `GET /api/deliveries` as an admin of `org`, with an optional `status` filter.
    func deliveries(status: String? = nil, org: String = "acme") throws -> [JSONValue] {
        let query = status.map { "?status=\($0)" } ?? ""
        let response = try TestHTTPClient(port: port).get(
            "/api/deliveries\(query)",
            headers: [("Authorization", "Bearer \(TestJWT.make(org: org, role: "admin"))")]
        )
        guard response.status == 200, case .array(let rows)? = response.json?["deliveries"] else {
            throw TestClientError.protocolViolation("GET /api/deliveries: \(response.summary)")
        }
        return rows
    }

    /// Polls the outbox (at most `timeout`) until a row satisfies `condition`; returns it.
    @discardableResult
    func waitForDelivery(
        timeout: Duration = .seconds(10),
        _ condition: (JSONValue) -> Bool
    ) throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let row = try deliveries().first(where: condition) {
                return row
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestClientError.timedOut("an outbox row in the expected state; rows: \(try deliveries())")
    }
}

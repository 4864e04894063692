// Waiting for an instance's readiness to change, as a load balancer's health check sees it.

import BridgeCore
import Foundation

extension BridgeProcess {
    /// The status and body of `GET /api/health/ready` now.
    func readiness() throws -> HTTPResponse {
        try TestHTTPClient(port: port, timeout: .seconds(2)).get("/api/health/ready")
    }

    /// Polls readiness every 100 ms until it answers `status`; false when `bound` passes first.
    func waitForReadiness(_ status: Int, within bound: Duration = .seconds(10)) -> Bool {
        let deadline = ContinuousClock.now + bound
        while ContinuousClock.now < deadline {
            if let response = try? readiness(), response.status == status { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }
}

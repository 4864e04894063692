// The check every refusal test ends with: the server survived the bad input.

import Testing

extension BridgeProcess {
    /// Records a test issue unless the process still runs and `GET /api/health` answers 200.
    func expectHealthy(sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(isRunning, "the server exited:\n\(logTail())", sourceLocation: sourceLocation)
        let health = try TestHTTPClient(port: port).get("/api/health")
        #expect(health.status == 200, "health after the request: \(health.summary)", sourceLocation: sourceLocation)
    }
}

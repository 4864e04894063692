// The `rejections` counters of `GET /api/stats`, and the check that each moved by exactly as much
// as a test expects.

import BridgeCore
import Testing

/// One reading of every rejection and close-reason counter the server exposes.
struct RejectionCounters: CustomStringConvertible {
    /// Counter values by their stats name (`rateLimited`, `heartbeatTimeouts`, ...).
    var values: [String: Int64]

    /// Reads the counters out of a stats document; fails when `rejections` is missing.
    init(stats: JSONValue) throws {
        guard let fields = stats["rejections"]?.objectValue else {
            throw TestClientError.protocolViolation("stats without a `rejections` object: \(stats)")
        }
        values = fields.compactMapValues(\.integerValue)
    }

    /// The value of `name`, 0 when the server does not report it.
    subscript(name: String) -> Int64 {
        values[name] ?? 0
    }

    var description: String {
        values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// Records an issue for every counter whose change since `earlier` is not the one in
    /// `expected`; counters not named there must not have moved at all.
    func expectChanges(
        since earlier: RejectionCounters,
        _ expected: [String: Int64],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for name in expected.keys where values[name] == nil {
            Issue.record("stats have no counter `\(name)`: \(self)", sourceLocation: sourceLocation)
        }
        for name in Set(values.keys).union(earlier.values.keys).sorted() {
            let moved = self[name] - earlier[name]
            let wanted = expected[name] ?? 0
            #expect(
                moved == wanted,
                "`\(name)` moved by \(moved), expected \(wanted) (now \(self))",
                sourceLocation: sourceLocation
            )
        }
    }
}

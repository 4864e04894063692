// Audit pagination tokens: they round-trip, and anything this bridge did not make is refused.

import BridgeCore
import Testing

@Suite struct AuditCursorTests {
    @Test func tokenRoundTrips() {
        #expect(AuditCursor(token: AuditCursor(beforeID: 42).token) == AuditCursor(beforeID: 42))
        #expect(AuditCursor(token: AuditCursor(beforeID: Int64.max).token)?.beforeID == Int64.max)
    }

    @Test(arguments: [
        "", "a:1", "613a", "613a30", "613a2d31", "613a3939393939393939393939393939393939393939",
        "6e3a313a78",
    ])
    func foreignTokenIsRefused(_ token: String) {
        #expect(AuditCursor(token: token) == nil)
    }
}

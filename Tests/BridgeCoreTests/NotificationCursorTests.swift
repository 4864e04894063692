// Pagination tokens: they round-trip, and anything this bridge did not make is refused.

import BridgeCore
import Testing

@Suite struct NotificationCursorTests {
    @Test func tokenRoundTrips() {
        let cursor = NotificationCursor(createdAtMillis: 1_710_408_067_123, id: "8d7c5a52-6b1e-4f0a-9c3d-2e1f0a9b8c7d")
        #expect(NotificationCursor(token: cursor.token) == cursor)
        #expect(cursor.token.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
    }

    @Test(arguments: [
        "", "0", "zz", "6e3a", "6e3a313a", "613a35",
        // "n:-1:x", "n:1:", "n:1:a b", "n:x:id"
        "6e3a2d313a78", "6e3a313a", "6e3a313a6120620a", "6e3a783a6964",
        String(repeating: "6e", count: 300),
    ])
    func foreignTokenIsRefused(_ token: String) {
        #expect(NotificationCursor(token: token) == nil)
    }
}

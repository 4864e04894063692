// Client messages over `WS_MAX_MESSAGE_BYTES` (1009) and text that is not UTF-8 (1007), in one
// frame and across fragments; the framing itself is covered by `WebSocketFramingTests`, this
// checks that each close is counted once under its own counter.

import BridgeCore
import Foundation
import Testing

extension HardeningTests {
    /// The size and UTF-8 rules and their counters.
    @Suite
    struct MessageLimitTests {
        @Test(arguments: [
            MalformedFrame.messageOverTheLimit, .fragmentsOverTheLimit, .fragmentClaimingTheLargestLength,
            .invalidUTF8Text, .invalidUTF8AcrossFragments,
        ])
        func refusedMessageClosesWithItsCodeAndIsCounted(_ malformed: MalformedFrame) throws {
            let server = try BridgeProcess.start(["WS_MAX_MESSAGE_BYTES": "4096"])
            defer { server.stop() }
            let before = try server.rejectionCounters()
            let bystander = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "bystander"))
            defer { bystander.close() }
            let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
            defer { client.close() }

            try client.send(frames: malformed.frames)
            let ending = try client.receiveClose(timeout: .seconds(5))
            #expect(ending.closeCode == malformed.expectedCode, "\(malformed): \(ending)")
            #expect(try bystander.pingPong(), "another connection suffered from \(malformed)")
            let counter = malformed.expectedCode == 1009 ? "messageTooBig" : "invalidUtf8"
            try server.rejectionCounters().expectChanges(since: before, [counter: 1])
        }
    }
}

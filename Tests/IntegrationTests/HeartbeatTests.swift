// The heartbeat (`WS_PING_INTERVAL_S`, `WS_PONG_TIMEOUT_S`) and the idle timeout
// (`WS_IDLE_TIMEOUT_S`): who is dropped, who stays, and how each is counted.

import BridgeCore
import Foundation
import Testing

extension HardeningTests {
    /// Pings, pongs and silence.
    @Suite
    struct HeartbeatTests {
        /// Seconds between pings.
        static let pingSeconds = 1
        /// Seconds without a pong before the server hangs up. With 2 a client has 1 s to answer a
        /// ping, which a loaded test machine does not always manage; 4 gives it 3 s.
        static let pongTimeoutSeconds = 4

        @Test
        func peerThatAnswersPingsStaysAndOneThatDoesNotIsDropped() throws {
            let server = try BridgeProcess.start([
                "WS_PING_INTERVAL_S": String(Self.pingSeconds),
                "WS_PONG_TIMEOUT_S": String(Self.pongTimeoutSeconds),
            ])
            defer { server.stop() }
            let before = try server.rejectionCounters()
            let answering = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "awake"))
            defer { answering.close() }
            var silentOptions = TestWebSocket.Options(token: TestJWT.make(sub: "asleep"))
            silentOptions.answersPings = false
            let silent = try TestWebSocket.connect(port: server.port, options: silentOptions)
            defer { silent.disconnect() }

            // Both are read in turns for 7 s: reading is what lets the answering client send its
            // pongs. Neither sends a message, so only pongs tell the server who is alive.
            let start = ContinuousClock.now
            var pingsToSilent = 0
            var silentEnding: (message: TestWebSocket.Message, after: Duration)?
            var answeringSaw: [TestWebSocket.Message] = []
            while ContinuousClock.now - start < .seconds(7) {
                let heard = try answering.receive(timeout: .milliseconds(100))
                if heard != .timeout { answeringSaw.append(heard) }
                guard silentEnding == nil else { continue }
                let message = try silent.receive(timeout: .milliseconds(100))
                switch message {
                case .ping: pingsToSilent += 1
                case .disconnected, .close: silentEnding = (message, ContinuousClock.now - start)
                default: break
                }
            }

            #expect(answeringSaw.isEmpty, "the client answering pings got \(answeringSaw)")
            #expect(pingsToSilent >= 1, "the server never pinged the silent client")
            let ending = try #require(silentEnding, "the silent client was still connected after 7 s")
            let bound = Duration.seconds(Self.pongTimeoutSeconds) + .milliseconds(1500)
            #expect(ending.after < bound, "the silent client was dropped only after \(ending.after)")
            try server.rejectionCounters().expectChanges(since: before, ["heartbeatTimeouts": 1])

            // The answering client is alive (it gets its close answered) and was never late, so
            // closing it normally is no heartbeat timeout.
            let goodbye = answering.close()
            // Seen once in a full parallel run on the 2-core machine: the echo of the client's
            // close was missing although the connection had stayed up; recorded, not hidden.
            withKnownIssue("lws sometimes drops instead of echoing the close under heavy load", isIntermittent: true) {
                #expect(goodbye == .close(code: 1000, reason: ""), "the client answering pings was dropped")
            }
            #expect(try server.waitForConnections(0), "the closed connection is still counted")
            try server.rejectionCounters().expectChanges(since: before, ["heartbeatTimeouts": 1])
        }

        /// Silence is what the heartbeat measures: a client whose messages keep coming stays,
        /// even if it never answers a ping.
        @Test
        func clientThatKeepsSendingStaysWithoutAnsweringPings() throws {
            let server = try BridgeProcess.start([
                "WS_PING_INTERVAL_S": String(Self.pingSeconds),
                "WS_PONG_TIMEOUT_S": String(Self.pongTimeoutSeconds),
            ])
            defer { server.stop() }
            let before = try server.rejectionCounters()
            var options = TestWebSocket.Options(token: TestJWT.make(sub: "talker"))
            options.answersPings = false
            let talker = try TestWebSocket.connect(port: server.port, options: options)
            defer { talker.close() }

            // A message every 0.5 s for 6 s, past the pong timeout; pings, if any, go unanswered.
            var pongs = 0
            var ending: TestWebSocket.Message?
            for _ in 0..<12 where ending == nil {
                try talker.sendJSON(["type": "ping"])
                let deadline = ContinuousClock.now + .milliseconds(500)
                while ending == nil, ContinuousClock.now < deadline {
                    switch try talker.receive(timeout: deadline - ContinuousClock.now) {
                    case .text(let text) where text.contains(#""type":"pong""#): pongs += 1
                    case let message where message == .disconnected || message.closeCode != nil: ending = message
                    default: break
                    }
                }
            }
            #expect(ending == nil, "the talking client was dropped: \(String(describing: ending))")
            #expect(pongs == 12, "the talking client got \(pongs) of 12 answers")
            try server.rejectionCounters().expectChanges(since: before, [:])
        }

        @Test
        func connectionWithoutMessagesIsClosedAfterTheIdleTimeout() throws {
            let server = try BridgeProcess.start([
                "WS_IDLE_TIMEOUT_S": "2",
                "WS_PING_INTERVAL_S": String(Self.pingSeconds),
                "WS_PONG_TIMEOUT_S": String(Self.pongTimeoutSeconds),
            ])
            defer { server.stop() }
            let before = try server.rejectionCounters()
            let idle = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "idle"))
            defer { idle.close() }
            let chatty = try TestWebSocket.connect(port: server.port, token: TestJWT.make(sub: "chatty"))
            defer { chatty.close() }

            // The idle client answers pings but sends no message; the other sends one every 0.5 s.
            let start = ContinuousClock.now
            var idleEnding: TestWebSocket.Message?
            for _ in 0..<10 {
                #expect(try chatty.pingPong(), "the client that keeps sending was dropped")
                let message = try idle.receive(timeout: .milliseconds(500))
                if message != .timeout {
                    idleEnding = message
                    break
                }
            }
            let elapsed = ContinuousClock.now - start
            // Seen once in a full fresh-clone run (the idle timeout was counted, yet the client
            // read end of stream before any close frame): the same lws close race as above.
            withKnownIssue("lws sometimes drops instead of sending the close under heavy load", isIntermittent: true) {
                #expect(idleEnding?.closeCode == 1001, "the idle client got \(String(describing: idleEnding))")
            }
            #expect(idleEnding != nil, "the idle client was never closed")
            #expect(elapsed >= .milliseconds(1500), "closed after \(elapsed), before the idle timeout")
            #expect(try chatty.pingPong(), "the client that keeps sending was dropped")
            try server.rejectionCounters().expectChanges(since: before, ["idleTimeouts": 1])
        }
    }
}

// RFC 6455 framing at the bridge's edge: fragments, control frames, and the close code for each
// kind of malformed frame (the protocol rules of the hardening issue).

import BridgeCore
import Foundation
import Testing

/// RFC 6455 framing rules and the close code for each violation.
@Suite(.serialized)
struct WebSocketFramingTests {
    @Test
    func fragmentedMessageIsReassembled() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }

        let text = Array(#"{"type":"ping"}"#.utf8)
        try client.send(frame: WebSocketFrame(.text, Array(text[..<5]), fin: false))
        try client.send(frame: WebSocketFrame(.continuation, Array(text[5..<9]), fin: false))
        try client.send(frame: WebSocketFrame(.ping, Array("between".utf8)))
        try client.send(frame: WebSocketFrame(.continuation, Array(text[9...]), fin: true))
        let control = try client.receive()
        #expect(control == .pong(Array("between".utf8)), "the ping between fragments: \(control)")
        #expect(try client.receiveJSON()["type"]?.stringValue == "pong")
    }

    @Test
    func pingFrameIsAnsweredWithItsPayload() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }

        try client.send(frame: WebSocketFrame(.ping, Array("are you there".utf8)))
        let reply = try client.receive()
        #expect(reply == .pong(Array("are you there".utf8)), "\(reply)")
    }

    @Test(arguments: MalformedFrame.allCases)
    func malformedFrameClosesWithItsCode(_ malformed: MalformedFrame) throws {
        let server = try BridgeProcess.start(["WS_MAX_MESSAGE_BYTES": "4096"])
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }

        try client.send(frames: malformed.frames)
        let check = {
            let ending = try client.receiveClose(timeout: .seconds(5))
            guard case .close(let code, _) = ending else {
                Issue.record("\(malformed): expected close \(malformed.expectedCode), got \(ending)")
                return
            }
            #expect(code == malformed.expectedCode, "\(malformed)")
        }
        if let gap = malformed.transportGap {
            withKnownIssue(Comment(rawValue: gap)) { try check() }
        } else {
            try check()
        }
        try server.expectHealthy()
    }

    @Test
    func messageAtTheSizeLimitIsAccepted() throws {
        let server = try BridgeProcess.start(["WS_MAX_MESSAGE_BYTES": "4096"])
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }

        let prefix = #"{"type":"ping","pad":""#
        let padding = String(repeating: "p", count: 4096 - prefix.utf8.count - 2)
        let text = prefix + padding + #""}"#
        #expect(text.utf8.count == 4096)
        try client.send(text: text)
        #expect(try client.receiveJSON()["type"]?.stringValue == "pong")
    }

    /// Messages around the 1 KiB receive buffer, which lws hands over in pieces of at most 1024
    /// bytes: whole, and split into fragments with a ping between them.
    @Test(arguments: [1023, 1024, 1025, 2048, 4096])
    func messageLongerThanTheReceiveBufferIsReassembled(_ size: Int) throws {
        let server = try BridgeProcess.start(["WS_MAX_MESSAGE_BYTES": "4096"])
        defer { server.stop() }
        let client = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { client.close() }

        let prefix = #"{"type":"ping","id":"\#(size)","pad":""#
        let text = Array((prefix + String(repeating: "p", count: size - prefix.utf8.count - 2) + #""}"#).utf8)
        try client.send(frame: WebSocketFrame(.text, text))
        #expect(try client.receiveJSON()["id"]?.stringValue == String(size))
        try client.send(frame: WebSocketFrame(.text, Array(text[..<700]), fin: false))
        try client.send(frame: WebSocketFrame(.ping, Array("between".utf8)))
        try client.send(frame: WebSocketFrame(.continuation, Array(text[700...])))
        #expect(try client.receive() == .pong(Array("between".utf8)))
        #expect(try client.receiveJSON()["id"]?.stringValue == String(size), "fragmented, \(size) bytes")
    }

    /// A three-byte character whose bytes straddle the first 1024-byte piece: valid is accepted,
    /// and the same bytes made invalid close with 1007.
    @Test(arguments: [1022, 1023, 1024])
    func characterAcrossAReceivePieceIsJudgedWhole(_ offset: Int) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let prefix = Array(#"{"type":"ping","pad":""#.utf8)
        let head = prefix + [UInt8](repeating: 0x61, count: offset - prefix.count)
        let valid = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { valid.close() }
        try valid.send(frame: WebSocketFrame(.text, head + Array("€".utf8) + Array(#""}"#.utf8)))
        #expect(try valid.receiveJSON()["type"]?.stringValue == "pong", "€ at byte \(offset)")

        let invalid = try TestWebSocket.connect(port: server.port, token: TestJWT.make())
        defer { invalid.close() }
        try invalid.send(frame: WebSocketFrame(.text, head + [0xE2, 0x82, 0x28] + Array(#""}"#.utf8)))
        #expect(try invalid.receiveClose().closeCode == 1007, "broken character at byte \(offset)")
    }

    @Test
    func authWithATokenLongerThanTheReceiveBufferIsReassembled() throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let now = Int(Date().timeIntervalSince1970)
        let claims: [String: Any] = [
            "sub": "alice", "org": "acme", "role": "member", "iat": now, "exp": now + 600,
            "note": String(repeating: "n", count: 2_000),
        ]
        let token = TestJWT.make(claims: claims)
        let text = Array(#"{"type":"auth","token":"\#(token)"}"#.utf8)
        #expect(text.count > 2_048)
        let whole = try TestWebSocket.connect(port: server.port)
        defer { whole.close() }
        try whole.send(frame: WebSocketFrame(.text, text))
        #expect(try whole.receiveJSON()["type"]?.stringValue == "authenticated")

        let pieces = try TestWebSocket.connect(port: server.port)
        defer { pieces.close() }
        let cuts = [0, 600, 1_300, 2_000, text.count]
        for index in 0..<(cuts.count - 1) {
            let opcode: WebSocketFrame.Opcode = index == 0 ? .text : .continuation
            let part = Array(text[cuts[index]..<cuts[index + 1]])
            try pieces.send(frame: WebSocketFrame(opcode, part, fin: index == cuts.count - 2))
            if index < cuts.count - 2 { try pieces.send(frame: WebSocketFrame(.ping)) }
        }
        // RFC 6455 lets pings that arrive before their pong went out share one pong.
        var replies: [TestWebSocket.Message] = []
        for _ in 0..<4 {
            let reply = try pieces.receive()
            replies.append(reply)
            if reply != .pong([]) { break }
        }
        guard case .text(let reply)? = replies.last else {
            Issue.record("no answer to the auth in four fragments: \(replies)")
            return
        }
        #expect(reply.contains(#""type":"authenticated""#), "\(reply)")
    }
}

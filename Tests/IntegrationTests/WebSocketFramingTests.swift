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

        for frame in malformed.frames {
            try client.send(frame: frame)
        }
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
}

// A blocking WebSocket client for tests: real handshake, masked frames, bounded waits, and a raw
// frame API for sending what a hostile client would.

import BridgeCore
import Foundation

/// One WebSocket connection to the server under test. Reads reassemble fragmented messages and
/// answer pings; anything the server sends that RFC 6455 forbids becomes a thrown
/// `TestClientError.protocolViolation`, never a crash.
final class TestWebSocket {
    /// What the upgrade request looks like.
    struct Options {
        /// Request path without the query.
        var path = "/ws"
        /// Query parameters, percent-encoded when sent.
        var query: [(String, String)] = []
        /// The `Origin` header; nil sends none.
        var origin: String? = BridgeProcess.allowedOrigin
        /// The `Sec-WebSocket-Version` header; nil sends none.
        var version: String? = "13"
        /// Further request headers, sent after the standard ones.
        var headers: [(String, String)] = []
        /// Answer server pings with pongs without surfacing them.
        var answersPings = true
        /// Bound on connecting plus the handshake.
        var timeout: Duration = .seconds(5)
        /// A fixed kernel receive buffer (`SO_RCVBUF`); nil leaves the kernel's autotuning on.
        var receiveBufferBytes: Int32?

        /// Default options, with `access_token` set when `token` is given.
        init(token: String? = nil) {
            if let token { query = [("access_token", token)] }
        }
    }

    /// The outcome of an upgrade request.
    enum Upgrade {
        /// 101: the connection is a WebSocket now.
        case upgraded(TestWebSocket)
        /// Anything else, with the server's full answer.
        case refused(HTTPResponse)
    }

    /// What one read returned.
    enum Message: Equatable, CustomStringConvertible {
        /// A complete text message (fragments joined), checked to be UTF-8.
        case text(String)
        /// A complete binary message.
        case binary([UInt8])
        /// Only surfaced when `answersPings` is false.
        case ping([UInt8])
        /// A pong frame and its payload.
        case pong([UInt8])
        /// The server's close frame; `code` is nil for an empty close payload.
        case close(code: UInt16?, reason: String)
        /// The TCP stream ended without a close frame.
        case disconnected
        /// Nothing arrived within the wait.
        case timeout

        var description: String {
            switch self {
            case .text(let text): "text \(text.prefix(500))"
            case .binary(let bytes): "binary (\(bytes.count) bytes)"
            case .ping(let bytes): "ping (\(bytes.count) bytes)"
            case .pong(let bytes): "pong (\(bytes.count) bytes)"
            case .close(let code, let reason): "close \(code.map(String.init) ?? "none") \(reason)"
            case .disconnected: "disconnected without a close frame"
            case .timeout: "nothing (timeout)"
            }
        }
    }

    /// Largest frame or reassembled message accepted from the server.
    static let maxMessageBytes = 16 * 1024 * 1024

    private let connection: BufferedConnection
    private let answersPings: Bool
    private var fragments: [UInt8] = []
    private var fragmentOpcode: UInt8?
    private var sentClose = false

    /// The upgrade response headers (status 101).
    let upgradeResponse: HTTPResponse
    /// The close frame received from the server, once there is one.
    private(set) var receivedClose: (code: UInt16?, reason: String)?

    private init(connection: BufferedConnection, response: HTTPResponse, answersPings: Bool) {
        self.connection = connection
        self.upgradeResponse = response
        self.answersPings = answersPings
    }

    /// Connects and upgrades, throwing `upgradeRefused` with the server's answer if it is not 101.
    static func connect(port: UInt16, token: String? = nil) throws -> TestWebSocket {
        try connect(port: port, options: Options(token: token))
    }

    /// Connects and upgrades with `options`, throwing `upgradeRefused` if the answer is not 101.
    static func connect(port: UInt16, options: Options) throws -> TestWebSocket {
        switch try handshake(port: port, options: options) {
        case .upgraded(let socket): return socket
        case .refused(let response): throw TestClientError.upgradeRefused(response)
        }
    }

    /// Sends the upgrade request and returns either the WebSocket or the refusal.
    static func handshake(port: UInt16, options: Options) throws -> Upgrade {
        let deadline = ContinuousClock.now + options.timeout
        let socket = try LoopbackSocket.connect(
            port: port,
            timeout: options.timeout,
            receiveBufferBytes: options.receiveBufferBytes
        )
        let connection = BufferedConnection(socket)
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        var request = "GET \(options.path)\(queryString(options.query)) HTTP/1.1\r\n"
        request += "Host: 127.0.0.1:\(port)\r\n"
        request += "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: \(key)\r\n"
        if let version = options.version { request += "Sec-WebSocket-Version: \(version)\r\n" }
        if let origin = options.origin { request += "Origin: \(origin)\r\n" }
        for (name, value) in options.headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        try connection.send(Array(request.utf8), until: deadline)

        let headEnd = Array("\r\n\r\n".utf8)
        let head = try connection.read(through: headEnd, limit: HTTPResponse.maxHeadBytes, until: deadline)
        var response = try HTTPResponse.parseHead(head)
        guard response.status == 101 else {
            defer { connection.close() }
            do {
                response.body = try HTTPResponse.readBody(of: response, from: connection, until: deadline)
            } catch TestClientError.timedOut {
                // A refusal without a length on a kept-alive connection: keep what came.
                response.body = connection.take(Int.max)
            }
            return .refused(response)
        }
        try checkUpgrade(response, key: key)
        return .upgraded(TestWebSocket(connection: connection, response: response, answersPings: options.answersPings))
    }

    /// Sends one text message in a single masked frame.
    func send(text: String) throws {
        try send(frame: .text(text))
    }

    /// Sends `object` encoded as JSON text.
    func sendJSON(_ object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        try send(text: String(decoding: data, as: UTF8.self))
    }

    /// Sends `{"type":"subscribe","room":room}`.
    func subscribe(_ room: String) throws {
        try sendJSON(["type": "subscribe", "room": room])
    }

    /// Sends any frame, well-formed or not, masked with a fresh random key when `frame.masked`.
    func send(frame: WebSocketFrame, timeout: Duration = .seconds(5)) throws {
        let key = (0..<4).map { _ in UInt8.random(in: 0...255) }
        if frame.opcode == WebSocketFrame.Opcode.close.rawValue { sentClose = true }
        try connection.send(frame.encoded(maskKey: key), until: ContinuousClock.now + timeout)
    }

    /// Sends several frames in one write. A server that refuses an early frame closes the
    /// connection at once; frames written one by one after that can meet a reset (EPIPE) before
    /// the test reads the close frame it is waiting for.
    func send(frames: [WebSocketFrame], timeout: Duration = .seconds(5)) throws {
        var bytes: [UInt8] = []
        for frame in frames {
            let key = (0..<4).map { _ in UInt8.random(in: 0...255) }
            if frame.opcode == WebSocketFrame.Opcode.close.rawValue { sentClose = true }
            bytes += frame.encoded(maskKey: key)
        }
        try connection.send(bytes, until: ContinuousClock.now + timeout)
    }

    /// Writes bytes straight to the socket, bypassing framing.
    func send(raw: [UInt8], timeout: Duration = .seconds(5)) throws {
        try connection.send(raw, until: ContinuousClock.now + timeout)
    }

    /// Widens (or narrows) the kernel's receive buffer of this connection.
    func setReceiveBuffer(bytes: Int32) throws {
        try connection.socket.setReceiveBuffer(bytes: bytes)
    }

    /// Waits at most `timeout` for the next message, control frames included when surfaced.
    func receive(timeout: Duration = .seconds(5)) throws -> Message {
        let deadline = ContinuousClock.now + timeout
        // Checking the deadline on every pass bounds the wait even when the server floods pings.
        while true {
            if let message = try nextBufferedMessage() { return message }
            guard ContinuousClock.now < deadline else { return .timeout }
            do {
                guard try connection.fill(until: deadline) else { return .disconnected }
            } catch TestClientError.timedOut {
                return .timeout
            }
        }
    }

    /// Waits for the next text message and decodes it as JSON, failing on anything else.
    func receiveJSON(timeout: Duration = .seconds(5)) throws -> JSONValue {
        let message = try receive(timeout: timeout)
        guard case .text(let text) = message else {
            throw TestClientError.protocolViolation("expected a JSON text message, got \(message)")
        }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw TestClientError.protocolViolation("text message is not JSON: \(text.prefix(300))")
        }
    }

    /// Reads until a close frame or the end of the stream (bounded by `timeout`), skipping
    /// data messages; returns what ended the connection, or `.timeout`.
    func receiveClose(timeout: Duration = .seconds(5)) throws -> Message {
        let deadline = ContinuousClock.now + timeout
        for _ in 0..<10_000 {
            let message = try receive(timeout: max(.zero, ContinuousClock.now.duration(to: deadline)))
            switch message {
            case .close, .disconnected, .timeout: return message
            case .text, .binary, .ping, .pong: continue
            }
        }
        return .timeout
    }

    /// Sends a close frame and waits (bounded) for the server's answer, then closes the socket.
    @discardableResult
    func close(code: UInt16 = 1000, reason: String = "", timeout: Duration = .seconds(2)) -> Message {
        defer { connection.close() }
        guard connection.socket.isOpen else { return .disconnected }
        if !sentClose {
            do { try send(frame: .close(code: code, reason: reason)) } catch { return .disconnected }
        }
        return (try? receiveClose(timeout: timeout)) ?? .disconnected
    }

    /// Drops the TCP connection without a close frame.
    func disconnect() {
        connection.close()
    }

    private func nextBufferedMessage() throws -> Message? {
        guard let frame = try ServerFrame.parse(from: connection, maxPayload: Self.maxMessageBytes) else {
            return nil
        }
        switch frame.opcode {
        case 0x1, 0x2:
            guard fragmentOpcode == nil else {
                throw TestClientError.protocolViolation("new data frame while a fragmented message is open")
            }
            if frame.fin { return try message(opcode: frame.opcode, payload: frame.payload) }
            fragmentOpcode = frame.opcode
            fragments = frame.payload
            return nil
        case 0x0:
            guard let opcode = fragmentOpcode else {
                throw TestClientError.protocolViolation("continuation frame without a message to continue")
            }
            guard fragments.count + frame.payload.count <= Self.maxMessageBytes else {
                throw TestClientError.protocolViolation("message over \(Self.maxMessageBytes) bytes")
            }
            fragments += frame.payload
            guard frame.fin else { return nil }
            defer {
                fragmentOpcode = nil
                fragments = []
            }
            return try message(opcode: opcode, payload: fragments)
        case 0x8:
            return try closeMessage(frame.payload)
        case 0x9:
            guard answersPings else { return .ping(frame.payload) }
            if !sentClose { try send(frame: WebSocketFrame(.pong, frame.payload)) }
            return nil
        case 0xA:
            return .pong(frame.payload)
        default:
            throw TestClientError.protocolViolation("reserved opcode \(frame.opcode)")
        }
    }

    private func message(opcode: UInt8, payload: [UInt8]) throws -> Message {
        guard opcode == 0x1 else { return .binary(payload) }
        guard let text = String(validating: payload, as: UTF8.self) else {
            throw TestClientError.protocolViolation("text message is not valid UTF-8")
        }
        return .text(text)
    }

    private func closeMessage(_ payload: [UInt8]) throws -> Message {
        var code: UInt16?
        var reason = ""
        if !payload.isEmpty {
            guard payload.count >= 2 else { throw TestClientError.protocolViolation("close payload of 1 byte") }
            code = UInt16(payload[0]) << 8 | UInt16(payload[1])
            guard let text = String(validating: payload.dropFirst(2), as: UTF8.self) else {
                throw TestClientError.protocolViolation("close reason is not valid UTF-8")
            }
            reason = text
        }
        receivedClose = (code, reason)
        if !sentClose {
            // Echo the code, as RFC 6455 asks; a failed write only means the server already left.
            try? send(frame: .close(code: code ?? 1000))
        }
        return .close(code: code, reason: reason)
    }

    private static func queryString(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let pairs = items.map { name, value in
            let encodedName = name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
            let encodedValue = value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
            return "\(encodedName)=\(encodedValue)"
        }
        return "?" + pairs.joined(separator: "&")
    }

    private static func checkUpgrade(_ response: HTTPResponse, key: String) throws {
        let expected = Data(SHA1.digest(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)))
            .base64EncodedString()
        guard response.header("Upgrade")?.lowercased() == "websocket" else {
            throw TestClientError.protocolViolation("101 without `Upgrade: websocket`")
        }
        guard response.header("Connection")?.lowercased().contains("upgrade") == true else {
            throw TestClientError.protocolViolation("101 without `Connection: Upgrade`")
        }
        guard response.header("Sec-WebSocket-Accept") == expected else {
            throw TestClientError.protocolViolation("wrong Sec-WebSocket-Accept")
        }
    }
}

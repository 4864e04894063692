// A minimal RESP client for tests: publish what an instance would (or what an attacker might) and
// listen on the bridge's channels, over a plain loopback socket.

import Foundation

/// One connection to a test Redis. Commands are sent as RESP arrays of bulk strings, so any byte
/// can be published; replies are parsed as far as the tests need.
final class TestRedisClient {
    /// A reply from the server.
    indirect enum Reply: Equatable {
        case status(String)
        case error(String)
        case integer(Int64)
        case bulk([UInt8]?)
        case array([Reply]?)
    }

    /// Largest reply buffered from the server.
    static let maxBufferedBytes = 16 * 1024 * 1024

    private let socket: LoopbackSocket
    private var buffer: [UInt8] = []

    /// Connects to the Redis at `url` (`redis://127.0.0.1:<port>[/db]`, no password).
    init(url: String) throws {
        guard let components = URLComponents(string: url), let port = components.port,
            components.host == "127.0.0.1", let portNumber = UInt16(exactly: port)
        else {
            throw TestClientError.setup("the test Redis URL must be redis://127.0.0.1:<port>")
        }
        socket = try LoopbackSocket.connect(port: portNumber)
    }

    deinit {
        socket.close()
    }

    /// Sends one command and returns its reply.
    func command(_ arguments: [[UInt8]], timeout: Duration = .seconds(5)) throws -> Reply {
        try send(arguments)
        return try reply(timeout: timeout)
    }

    /// `PUBLISH channel message`; returns how many subscribers received it.
    func publish(_ channel: String, _ message: [UInt8]) throws -> Int64 {
        let answer = try command([Array("PUBLISH".utf8), Array(channel.utf8), message])
        guard case .integer(let receivers) = answer else {
            throw TestClientError.protocolViolation("PUBLISH answered \(answer)")
        }
        return receivers
    }

    /// Subscribes to `pattern`; the connection then only receives messages.
    func listen(to pattern: String) throws {
        let confirmation = try command([Array("PSUBSCRIBE".utf8), Array(pattern.utf8)])
        guard case .array(let parts?) = confirmation, parts.first == .bulk(Array("psubscribe".utf8)) else {
            throw TestClientError.protocolViolation("PSUBSCRIBE answered \(confirmation)")
        }
    }

    /// The payloads of the next `count` messages heard after `listen`, waiting at most `bound`.
    func messages(_ count: Int, within bound: Duration = .seconds(20)) throws -> [[UInt8]] {
        let deadline = ContinuousClock.now + bound
        var payloads: [[UInt8]] = []
        while payloads.count < count {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else {
                throw TestClientError.timedOut("\(count) broker messages, got \(payloads.count)")
            }
            let message = try reply(timeout: left)
            guard case .array(let parts?) = message, parts.count == 4, case .bulk(let payload?) = parts[3] else {
                throw TestClientError.protocolViolation("not a pmessage: \(message)")
            }
            payloads.append(payload)
        }
        return payloads
    }

    /// Sends a command without waiting for a reply (for `PSUBSCRIBE`, whose replies stream).
    func send(_ arguments: [[UInt8]]) throws {
        var bytes = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments {
            bytes += Array("$\(argument.count)\r\n".utf8) + argument + Array("\r\n".utf8)
        }
        try socket.send(bytes, until: .now + .seconds(5))
    }

    /// The next reply, waiting at most `timeout`.
    func reply(timeout: Duration = .seconds(5)) throws -> Reply {
        let deadline = ContinuousClock.now + timeout
        while true {
            var index = buffer.startIndex
            if let parsed = try parse(&index) {
                buffer.removeSubrange(buffer.startIndex..<index)
                return parsed
            }
            let more = try socket.receive(until: deadline)
            guard !more.isEmpty else { throw TestClientError.endOfStream(afterBytes: buffer.count) }
            buffer += more
            guard buffer.count <= Self.maxBufferedBytes else {
                throw TestClientError.protocolViolation("a Redis reply larger than \(Self.maxBufferedBytes) bytes")
            }
        }
    }

    /// Parses one reply starting at `index`; nil when the buffer does not hold all of it yet.
    private func parse(_ index: inout Int) throws -> Reply? {
        guard index < buffer.endIndex else { return nil }
        let kind = buffer[index]
        guard let line = line(after: index + 1) else { return nil }
        let text = String(decoding: buffer[(index + 1)..<line], as: UTF8.self)
        index = line + 2
        switch kind {
        case UInt8(ascii: "+"):
            return .status(text)
        case UInt8(ascii: "-"):
            return .error(text)
        case UInt8(ascii: ":"):
            guard let value = Int64(text) else { throw TestClientError.protocolViolation("bad integer \(text)") }
            return .integer(value)
        case UInt8(ascii: "$"):
            guard let length = Int(text), length >= -1 else { throw TestClientError.protocolViolation("bad length") }
            if length == -1 { return .bulk(nil) }
            guard buffer.endIndex - index >= length + 2 else { return nil }
            let value = Array(buffer[index..<(index + length)])
            index += length + 2
            return .bulk(value)
        case UInt8(ascii: "*"):
            guard let count = Int(text), count >= -1 else { throw TestClientError.protocolViolation("bad count") }
            if count == -1 { return .array(nil) }
            var elements: [Reply] = []
            for _ in 0..<count {
                guard let element = try parse(&index) else { return nil }
                elements.append(element)
            }
            return .array(elements)
        default:
            throw TestClientError.protocolViolation("unknown RESP type byte \(kind)")
        }
    }

    /// The index of the `\r` that ends the line starting at `start`, or nil when it has not arrived.
    private func line(after start: Int) -> Int? {
        var index = start
        while index + 1 < buffer.endIndex {
            if buffer[index] == UInt8(ascii: "\r"), buffer[index + 1] == UInt8(ascii: "\n") { return index }
            index += 1
        }
        return nil
    }
}

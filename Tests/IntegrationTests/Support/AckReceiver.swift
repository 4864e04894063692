// A real HTTP/1.1 server on loopback that plays an upstream source receiving acknowledgements.

import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Listens on `127.0.0.1`, records every request it reads, and answers each as `script` says:
/// a status (with headers), or no answer at all (a hanging receiver). Connections are kept
/// alive, as a real server would, so the bridge can reuse them. Every wait is bounded.
/// Its threads hold it until `stop()`, which every test must call.
final class AckReceiver: @unchecked Sendable {
    /// How one request is answered.
    enum Reply: Sendable {
        /// Answers with `status`, `headers` and an empty JSON body.
        case status(Int, headers: [(String, String)] = [])
        /// Never answers; the connection stays open until the client gives up or `stop()`.
        case hang
    }

    /// A request as the receiver read it.
    struct Request: Sendable {
        /// The request target, e.g. `/acks`.
        var path: String
        /// Header names in lower case; the last value wins.
        var headers: [String: String]
        /// The raw body bytes.
        var body: [UInt8]
        /// When the request had been read in full.
        var receivedAt: ContinuousClock.Instant
        /// The status it was answered with; nil when it was left hanging.
        var answeredWith: Int?
    }

    /// Largest request head or body accepted.
    static let maxRequestBytes = 1 << 20

    /// The port the receiver listens on.
    let port: UInt16
    /// `http://127.0.0.1:<port>/acks`, the URL to give the bridge.
    var url: String { "http://127.0.0.1:\(port)/acks" }

    private let listener: Int32
    private let script: @Sendable (_ index: Int, _ path: String) -> Reply
    private let state = Mutex(State())

    private struct State {
        var requests: [Request] = []
        var stopped = false
        var connections: Set<Int32> = []
        var threads = 0
    }

    /// Starts listening. `script` gets each request's index (from 0, in arrival order) and path.
    init(_ script: @escaping @Sendable (_ index: Int, _ path: String) -> Reply) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestClientError.system("socket", errno) }
        var reuse: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0 && listen(fd, 64) == 0
            }
        }
        guard bound else {
            close(fd)
            throw TestClientError.system("bind", errno)
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        self.script = script
        spawn { [self] in acceptLoop() }
    }

    /// A receiver that answers every request with `status`.
    convenience init(always status: Int) throws {
        try self.init { _, _ in .status(status) }
    }

    /// Every request read so far, in arrival order.
    var requests: [Request] {
        state.withLock { $0.requests }
    }

    /// Waits until at least `count` requests have arrived, at most `timeout`; returns them all.
    @discardableResult
    func waitForRequests(_ count: Int, timeout: Duration = .seconds(10)) throws -> [Request] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let seen = requests
            if seen.count >= count { return seen }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let seen = requests
        guard seen.count >= count else {
            throw TestClientError.timedOut("\(count) acknowledgement requests (got \(seen.count))")
        }
        return seen
    }

    /// Stops listening, closes every connection, and waits (bounded) for the threads to end.
    func stop() {
        let connections = state.withLock { state -> Set<Int32> in
            guard !state.stopped else { return [] }
            state.stopped = true
            return state.connections
        }
        for fd in connections {
            shutdown(fd, Int32(SHUT_RDWR))
        }
        let deadline = ContinuousClock.now + .seconds(3)
        while state.withLock({ $0.threads > 0 }), ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        close(listener)
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        state.withLock { $0.threads += 1 }
        let thread = Thread { [self] in
            body()
            state.withLock { $0.threads -= 1 }
        }
        thread.start()
    }

    private func acceptLoop() {
        while !isStopped {
            guard Self.waitReadable(listener, milliseconds: 50) else { continue }
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { continue }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let admitted = state.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.connections.insert(fd)
                return true
            }
            guard admitted else {
                close(fd)
                return
            }
            spawn { [self] in serve(fd) }
        }
    }

    /// Reads requests off one connection and answers them until it closes or a reply hangs.
    private func serve(_ fd: Int32) {
        defer {
            state.withLock { _ = $0.connections.remove(fd) }
            close(fd)
        }
        var buffer: [UInt8] = []
        while !isStopped {
            guard let (path, headers, body) = readRequest(fd, &buffer) else { return }
            let index = state.withLock { $0.requests.count }
            let reply = script(index, path)
            var request = Request(path: path, headers: headers, body: body, receivedAt: .now, answeredWith: nil)
            switch reply {
            case .hang:
                state.withLock { $0.requests.append(request) }
                // Hold the connection without answering until the client or the test gives up.
                while !isStopped {
                    guard Self.waitReadable(fd, milliseconds: 50) else { continue }
                    var scratch = [UInt8](repeating: 0, count: 4096)
                    let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if count <= 0 { return }
                }
                return
            case .status(let status, let extra):
                request.answeredWith = status
                state.withLock { $0.requests.append(request) }
                var head = "HTTP/1.1 \(status) Answer\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                for (name, value) in extra {
                    head += "\(name): \(value)\r\n"
                }
                let response = Array((head + "\r\n{}").utf8)
                guard Self.sendAll(fd, response) else { return }
            }
        }
    }

    /// One request: path, lower-cased headers and body; nil when the connection ended.
    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> (String, [String: String], [UInt8])? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            headEnd = Self.find(separator, in: buffer)
            if headEnd == nil {
                guard buffer.count < Self.maxRequestBytes, receive(fd, into: &buffer) else { return nil }
            }
        }
        guard let end = headEnd else { return nil }
        let head = String(decoding: buffer[..<end], as: UTF8.self)
        buffer.removeFirst(end + separator.count)
        let lines = head.components(separatedBy: "\r\n")
        let target = lines.first?.split(separator: " ")
        guard let target, target.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = headers["content-length"].flatMap { Int($0) } ?? 0
        guard length >= 0, length <= Self.maxRequestBytes else { return nil }
        while buffer.count < length {
            guard receive(fd, into: &buffer) else { return nil }
        }
        let body = Array(buffer.prefix(length))
        buffer.removeFirst(length)
        return (String(target[1]), headers, body)
    }

    /// Appends what the socket has; false at end of stream, on an error, or when stopping.
    private func receive(_ fd: Int32, into buffer: inout [UInt8]) -> Bool {
        while !isStopped {
            guard Self.waitReadable(fd, milliseconds: 50) else { continue }
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            guard count > 0 else { return false }
            buffer.append(contentsOf: chunk.prefix(count))
            return true
        }
        return false
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    private static func waitReadable(_ fd: Int32, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, milliseconds) > 0
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

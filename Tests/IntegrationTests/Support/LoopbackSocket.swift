// A blocking TCP connection to a loopback port where every wait is bounded by `poll`.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection to `127.0.0.1`. Each operation takes a deadline and gives up with
/// `TestClientError.timedOut` when it passes; nothing here waits without a bound.
final class LoopbackSocket {
    /// Largest number of bytes taken from the kernel in one `recv`.
    static let readChunk = 64 * 1024

    private var descriptor: Int32

    /// True until `close()`.
    var isOpen: Bool { descriptor >= 0 }

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close()
    }

    /// Connects to `127.0.0.1:port`, waiting at most `timeout` for the handshake. A
    /// `receiveBufferBytes` fixes the kernel's receive buffer (`SO_RCVBUF`, set before connecting
    /// so the advertised window stays small), for clients that should fall behind quickly.
    static func connect(
        port: UInt16,
        timeout: Duration = .seconds(5),
        receiveBufferBytes: Int32? = nil
    ) throws -> LoopbackSocket {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestClientError.system("socket", errno) }
        let connection = LoopbackSocket(descriptor: fd)
        try connection.setNonBlocking()
        var noDelay: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        if var bufferBytes = receiveBufferBytes {
            guard setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufferBytes, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
                throw TestClientError.system("setsockopt SO_RCVBUF", errno)
            }
        }

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result != 0 {
            guard errno == EINPROGRESS else { throw TestClientError.system("connect", errno) }
            let deadline = ContinuousClock.now + timeout
            guard try connection.wait(for: Int16(POLLOUT), until: deadline) else {
                throw TestClientError.timedOut("connect to port \(port)")
            }
            var failure: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length)
            guard failure == 0 else { throw TestClientError.system("connect", failure) }
        }
        return connection
    }

    /// Asks the kernel for a free loopback port by binding port 0, then releases it.
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestClientError.system("socket", errno) }
        defer { Glibc.close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw TestClientError.system("bind", errno) }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Writes every byte of `bytes`, waiting at most until `deadline` for buffer space.
    func send(_ bytes: [UInt8], until deadline: ContinuousClock.Instant) throws {
        var offset = 0
        while offset < bytes.count {
            guard try wait(for: Int16(POLLOUT), until: deadline) else {
                throw TestClientError.timedOut("send (\(offset) of \(bytes.count) bytes written)")
            }
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.send(
                    descriptor,
                    buffer.baseAddress.map { $0 + offset },
                    bytes.count - offset,
                    Int32(MSG_NOSIGNAL)
                )
            }
            if written < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw TestClientError.system("send", errno)
            }
            offset += written
        }
    }

    /// Reads what is available, waiting at most until `deadline` for the first byte.
    /// Returns an empty array at end of stream; throws `timedOut` when nothing came.
    func receive(until deadline: ContinuousClock.Instant) throws -> [UInt8] {
        guard isOpen else { return [] }
        while true {
            guard try wait(for: Int16(POLLIN), until: deadline) else {
                throw TestClientError.timedOut("receive")
            }
            var buffer = [UInt8](repeating: 0, count: Self.readChunk)
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                if errno == ECONNRESET { return [] }
                throw TestClientError.system("recv", errno)
            }
            return Array(buffer.prefix(count))
        }
    }

    /// Reads until the server closes the connection, at most `chunks` reads, each waiting at
    /// most until `deadline`.
    func receiveToEnd(until deadline: ContinuousClock.Instant, chunks: Int = 100) throws -> [UInt8] {
        var received: [UInt8] = []
        for _ in 0..<chunks {
            let chunk = try receive(until: deadline)
            if chunk.isEmpty { break }
            received += chunk
        }
        return received
    }

    /// Sends `request` on a connection of its own and reads until the server closes it, at most
    /// 10 s in all.
    static func exchange(_ request: String, port: UInt16) throws -> String {
        let socket = try connect(port: port)
        defer { socket.close() }
        let deadline = ContinuousClock.now + .seconds(10)
        try socket.send(Array(request.utf8), until: deadline)
        return String(decoding: try socket.receiveToEnd(until: deadline), as: UTF8.self)
    }

    /// Sets the kernel's receive buffer (`SO_RCVBUF`) of an open connection.
    func setReceiveBuffer(bytes: Int32) throws {
        var size = bytes
        guard setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw TestClientError.system("setsockopt SO_RCVBUF", errno)
        }
    }

    /// Stops sending (a TCP FIN) while still reading.
    func shutdownWrite() {
        guard isOpen else { return }
        _ = shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Closes the connection; later calls do nothing.
    func close() {
        guard isOpen else { return }
        Glibc.close(descriptor)
        descriptor = -1
    }

    private func setNonBlocking() throws {
        let flags = fcntl(descriptor, F_GETFL)
        guard flags >= 0, fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw TestClientError.system("fcntl", errno)
        }
    }

    /// Polls for `events`; false when `deadline` passed first. Errors and hang-ups count as ready
    /// so that the following call reports them.
    private func wait(for events: Int16, until deadline: ContinuousClock.Instant) throws -> Bool {
        guard isOpen else { throw TestClientError.closed }
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline).components
            let milliseconds = max(0, remaining.seconds * 1000 + remaining.attoseconds / 1_000_000_000_000_000)
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&entry, 1, Int32(clamping: milliseconds))
            if ready < 0 {
                if errno == EINTR { continue }
                throw TestClientError.system("poll", errno)
            }
            return ready > 0
        }
    }
}

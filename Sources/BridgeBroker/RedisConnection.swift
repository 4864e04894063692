// One hiredis connection, owned by one thread: commands, pipelines and polled reads.

import BridgeCore
import CHiredis

#if canImport(Glibc)
import Glibc
#endif

/// A blocking connection to Redis with a timeout on connect, reads and writes.
///
/// Not thread-safe: each connection belongs to the one thread that opened it (the publisher's
/// or the subscriber's). After any error the connection is unusable; close it and open another.
final class RedisConnection {
    private var context: UnsafeMutablePointer<redisContext>?

    private init(context: UnsafeMutablePointer<redisContext>) {
        self.context = context
    }

    deinit {
        close()
    }

    /// Connects, authenticates when the URL has a password, and selects the URL's database.
    static func open(_ config: RedisConfiguration, timeoutMillis: Int) throws(RedisError) -> RedisConnection {
        let timeout = timeval(tv_sec: timeoutMillis / 1000, tv_usec: (timeoutMillis % 1000) * 1000)
        guard let context = redisConnectWithTimeout(config.host, Int32(config.port), timeout) else {
            throw RedisError(.unavailable, "out of memory for a connection")
        }
        let connection = RedisConnection(context: context)
        if context.pointee.err != 0 {
            throw RedisError(.unavailable, "cannot connect: \(Self.errorText(context))")
        }
        _ = redisSetTimeout(context, timeout)
        _ = redisEnableKeepAlive(context)
        if let password = config.password {
            var arguments = [Array("AUTH".utf8)]
            if let username = config.username { arguments.append(Array(username.utf8)) }
            arguments.append(Array(password.utf8))
            if case .error = try connection.command(arguments) {
                // The server's text can name the user; the password never appears in it, but the
                // reason is plain enough without it.
                throw RedisError(.authentication, "the server refused the credentials in REDIS_URL")
            }
        }
        if config.database != 0 {
            let reply = try connection.command([Array("SELECT".utf8), Array(String(config.database).utf8)])
            if case .error = reply {
                throw RedisError(.protocolViolation, "the server refused SELECT \(config.database)")
            }
        }
        return connection
    }

    /// Releases the connection; later calls fail with `.unavailable`.
    func close() {
        if let context { redisFree(context) }
        context = nil
    }

    /// Sends one command and waits for its reply.
    func command(_ arguments: [[UInt8]]) throws(RedisError) -> RedisReply {
        try append(arguments)
        return try readReply()
    }

    /// Queues a command in the output buffer; it is sent by the next `readReply` or `flush`.
    func append(_ arguments: [[UInt8]]) throws(RedisError) {
        let context = try live()
        let status = Self.withArgv(arguments) { count, values, lengths in
            redisAppendCommandArgv(context, count, values, lengths)
        }
        guard status == REDIS_OK else { throw failure(context, "cannot queue a command") }
    }

    /// Sends everything queued, blocking up to the timeout.
    func flush() throws(RedisError) {
        let context = try live()
        var done: Int32 = 0
        while done == 0 {
            guard redisBufferWrite(context, &done) == REDIS_OK else { throw failure(context, "write failed") }
        }
    }

    /// Sends what is queued, then blocks (up to the timeout) for the next reply.
    func readReply() throws(RedisError) -> RedisReply {
        let context = try live()
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
            throw failure(context, "no reply")
        }
        return try Self.take(raw)
    }

    /// Waits up to `timeoutMillis` for bytes to read; false on timeout.
    func waitReadable(timeoutMillis: Int32) throws(RedisError) -> Bool {
        let context = try live()
        var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, timeoutMillis)
        if ready < 0 {
            if errno == EINTR { return false }
            throw RedisError(.unavailable, "poll failed")
        }
        return ready > 0
    }

    /// Reads what the socket has (call after `waitReadable` said so, or it blocks).
    func readAvailable() throws(RedisError) {
        let context = try live()
        guard redisBufferRead(context) == REDIS_OK else { throw failure(context, "read failed") }
    }

    /// The next complete reply already read from the socket, or nil when none is complete.
    func bufferedReply() throws(RedisError) -> RedisReply? {
        let context = try live()
        var raw: UnsafeMutableRawPointer?
        guard redisGetReplyFromReader(context, &raw) == REDIS_OK else {
            throw failure(context, "the server sent something that is not RESP")
        }
        guard let raw else { return nil }
        return try Self.take(raw)
    }

    private func live() throws(RedisError) -> UnsafeMutablePointer<redisContext> {
        guard let context, context.pointee.err == 0 else {
            throw RedisError(.unavailable, "the connection is closed")
        }
        return context
    }

    private func failure(_ context: UnsafeMutablePointer<redisContext>, _ fallback: String) -> RedisError {
        context.pointee.err == 0
            ? RedisError(.unavailable, fallback)
            : RedisError(.unavailable, Self.errorText(context))
    }

    /// Copies a reply and frees hiredis's tree.
    private static func take(_ raw: UnsafeMutableRawPointer) throws(RedisError) -> RedisReply {
        defer { freeReplyObject(raw) }
        guard let reply = RedisReply(UnsafePointer(raw.assumingMemoryBound(to: redisReply.self))) else {
            throw RedisError(.protocolViolation, "a reply of an unexpected shape")
        }
        return reply
    }

    /// hiredis's error text: fixed strings and `strerror` output, which carry no secret.
    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            let bytes = raw.prefix { $0 != 0 }
            let text = String(decoding: bytes, as: UTF8.self)
            return text.isEmpty ? "connection error" : text
        }
    }

    /// Lays `arguments` out as the `argc`/`argv`/`argvlen` triple hiredis takes (binary-safe)
    /// and returns what `body` returns, or `REDIS_ERR` when a buffer has no address.
    private static func withArgv(
        _ arguments: [[UInt8]],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> Int32
    ) -> Int32 {
        // The trailing zero gives the buffer an address even when every argument is empty.
        let joined = Array(arguments.joined()) + [0]
        let lengths = arguments.map(\.count)
        return joined.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return REDIS_ERR }
            var offset = 0
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(arguments.count)
            for length in lengths {
                pointers.append((base + offset).assumingMemoryBound(to: CChar.self))
                offset += length
            }
            return pointers.withUnsafeMutableBufferPointer { values in
                lengths.withUnsafeBufferPointer { sizes in
                    guard let values = values.baseAddress, let sizes = sizes.baseAddress else { return REDIS_ERR }
                    return body(Int32(arguments.count), values, sizes)
                }
            }
        }
    }
}

// A loopback connection with a read buffer, for parsers that need "exactly n bytes" or "up to a delimiter".

/// Wraps a `LoopbackSocket` and keeps the bytes read but not yet consumed. Every read is bounded
/// both in time (a deadline) and in size (a maximum), so a hostile peer cannot stall or bloat a test.
final class BufferedConnection {
    /// The underlying socket, for writes and shutdown.
    let socket: LoopbackSocket
    /// Bytes received and not yet consumed.
    private(set) var pending: [UInt8] = []
    /// True once the peer ended the stream.
    private(set) var reachedEnd = false

    /// Wraps an open socket.
    init(_ socket: LoopbackSocket) {
        self.socket = socket
    }

    /// Writes all of `bytes`.
    func send(_ bytes: [UInt8], until deadline: ContinuousClock.Instant) throws {
        try socket.send(bytes, until: deadline)
    }

    /// Reads more bytes into `pending`; false at end of stream.
    @discardableResult
    func fill(until deadline: ContinuousClock.Instant) throws -> Bool {
        guard !reachedEnd else { return false }
        let bytes = try socket.receive(until: deadline)
        if bytes.isEmpty {
            reachedEnd = true
            return false
        }
        pending.append(contentsOf: bytes)
        return true
    }

    /// Consumes and returns the bytes up to and including `delimiter`, reading at most `limit` bytes.
    func read(through delimiter: [UInt8], limit: Int, until deadline: ContinuousClock.Instant) throws -> [UInt8] {
        var searchedUpTo = 0
        while true {
            if let end = Self.find(delimiter, in: pending, from: searchedUpTo) {
                return take(end + delimiter.count)
            }
            searchedUpTo = max(0, pending.count - delimiter.count + 1)
            guard pending.count <= limit else {
                throw TestClientError.protocolViolation("no \(delimiter.count)-byte delimiter within \(limit) bytes")
            }
            guard try fill(until: deadline) else {
                throw TestClientError.protocolViolation(
                    "stream ended after \(pending.count) bytes, before the delimiter"
                )
            }
        }
    }

    /// Consumes exactly `count` bytes.
    func read(count: Int, until deadline: ContinuousClock.Instant) throws -> [UInt8] {
        while pending.count < count {
            guard try fill(until: deadline) else { throw TestClientError.endOfStream(afterBytes: pending.count) }
        }
        return take(count)
    }

    /// Consumes everything until the peer closes, at most `limit` bytes.
    func readToEnd(limit: Int, until deadline: ContinuousClock.Instant) throws -> [UInt8] {
        while try fill(until: deadline) {
            guard pending.count <= limit else {
                throw TestClientError.protocolViolation("more than \(limit) bytes before the end of the stream")
            }
        }
        return take(pending.count)
    }

    /// True when at least `count` bytes are buffered.
    func hasBuffered(_ count: Int) -> Bool {
        pending.count >= count
    }

    /// Removes and returns the first `count` buffered bytes; `count` must not exceed `pending.count`.
    func take(_ count: Int) -> [UInt8] {
        let bounded = min(count, pending.count)
        let head = Array(pending.prefix(bounded))
        pending.removeFirst(bounded)
        return head
    }

    /// Closes the socket.
    func close() {
        socket.close()
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else {
            return nil
        }
        for index in start...(haystack.count - needle.count)
        where haystack[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }
}

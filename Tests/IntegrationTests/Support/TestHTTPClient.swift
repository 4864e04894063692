// A raw HTTP/1.1 client over loopback that sends exactly the bytes a test asks for.

import Foundation

/// Sends requests to `127.0.0.1:port` and reads the answers. Nothing is added to a request that
/// the caller did not ask for except `Host` (and `Content-Length` when the caller gave none and
/// the body is not sent raw), so tests can send malformed, chunked or lying requests.
final class TestHTTPClient {
    /// The server's port.
    let port: UInt16
    /// Keep one connection open across requests instead of one connection per request.
    let keepAlive: Bool
    /// Bound on each whole exchange (connect, send, read).
    let timeout: Duration

    private var connection: BufferedConnection?

    /// A client for `port`. With `keepAlive`, requests share a connection until the server closes it.
    init(port: UInt16, keepAlive: Bool = false, timeout: Duration = .seconds(5)) {
        self.port = port
        self.keepAlive = keepAlive
        self.timeout = timeout
    }

    /// Sends one request and reads its response.
    /// `headers` are sent in order; `Content-Length` is added when there is a body (or the method
    /// normally has one, such as POST) and the caller set neither `Content-Length` nor `Transfer-Encoding`.
    func request(
        _ method: String,
        _ path: String,
        headers: [(String, String)] = [],
        body: [UInt8] = []
    ) throws -> HTTPResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers {
            head += "\(name): \(value)\r\n"
        }
        let named = Set(headers.map { $0.0.lowercased() })
        let carriesBody = !body.isEmpty || !["GET", "HEAD", "DELETE", "OPTIONS"].contains(method)
        if carriesBody, !named.contains("content-length"), !named.contains("transfer-encoding") {
            head += "Content-Length: \(body.count)\r\n"
        }
        if !keepAlive, !named.contains("connection") {
            head += "Connection: close\r\n"
        }
        head += "\r\n"
        return try send(raw: Array(head.utf8) + body, bodyless: method == "HEAD")
    }

    /// `GET path`.
    func get(_ path: String, headers: [(String, String)] = []) throws -> HTTPResponse {
        try request("GET", path, headers: headers)
    }

    /// Writes `raw` as is and reads one response. A server that answers early and closes
    /// (for example a 413 before the body) is not an error: the response is still read.
    func send(raw: [UInt8], bodyless: Bool = false) throws -> HTTPResponse {
        let deadline = ContinuousClock.now + timeout
        let current = try openConnection()
        do {
            try current.send(raw, until: deadline)
        } catch TestClientError.system(_, let code) where code == EPIPE || code == ECONNRESET {
            // The server may have answered and closed before reading everything; read what it said.
        }
        defer {
            if !keepAlive || current.reachedEnd { disconnect() }
        }
        return try HTTPResponse.read(from: current, bodyless: bodyless, until: deadline)
    }

    /// Writes `raw` and returns the next response, or nil when the server closed without answering.
    func sendExpectingMaybeNothing(raw: [UInt8]) throws -> HTTPResponse? {
        do {
            return try send(raw: raw)
        } catch TestClientError.endOfStream(afterBytes: 0) {
            return nil
        }
    }

    /// Closes the kept-alive connection, if any.
    func disconnect() {
        connection?.close()
        connection = nil
    }

    private func openConnection() throws -> BufferedConnection {
        if let connection, connection.socket.isOpen, !connection.reachedEnd {
            return connection
        }
        let opened = BufferedConnection(try LoopbackSocket.connect(port: port, timeout: timeout))
        connection = opened
        return opened
    }
}

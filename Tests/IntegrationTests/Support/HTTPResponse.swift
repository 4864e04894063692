// An HTTP/1.1 response as a test sees it, and the bounded parser that reads one off a connection.

import BridgeCore
import Foundation

/// Status, headers and body of one HTTP response. Header names are matched case-insensitively.
struct HTTPResponse: Sendable, CustomStringConvertible {
    /// Largest head (status line and headers) accepted from the server.
    static let maxHeadBytes = 64 * 1024
    /// Largest body accepted from the server.
    static let maxBodyBytes = 16 * 1024 * 1024

    /// The status code, such as 202.
    var status: Int
    /// The reason phrase after the code.
    var reason: String
    /// Headers in the order received, names as sent.
    var headers: [(name: String, value: String)]
    /// The body bytes, after removing any chunked framing.
    var body: [UInt8]

    /// The first value of header `name`, compared case-insensitively.
    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The body as UTF-8 text (invalid sequences repaired).
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body decoded as JSON, or nil when it is not JSON.
    var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(body)) }

    /// One line for failure messages: status and the start of the body.
    var summary: String { "\(status) \(reason) \(text.prefix(300))" }

    var description: String { summary }

    /// Reads one response from `connection`. `bodyless` is true for answers to HEAD requests.
    static func read(
        from connection: BufferedConnection,
        bodyless: Bool = false,
        until deadline: ContinuousClock.Instant
    ) throws -> HTTPResponse {
        let head = try connection.read(through: Array("\r\n\r\n".utf8), limit: maxHeadBytes, until: deadline)
        var response = try parseHead(head)
        if !bodyless {
            response.body = try readBody(of: response, from: connection, until: deadline)
        }
        return response
    }

    /// Reads the body that follows `head`, framed by its headers.
    static func readBody(
        of head: HTTPResponse,
        from connection: BufferedConnection,
        until deadline: ContinuousClock.Instant
    ) throws -> [UInt8] {
        if head.status == 204 || head.status == 304 || (100..<200).contains(head.status) {
            return []
        }
        if head.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            return try readChunkedBody(from: connection, until: deadline)
        }
        guard let lengthText = head.header("Content-Length") else {
            return try connection.readToEnd(limit: maxBodyBytes, until: deadline)
        }
        guard let length = Int(lengthText.trimmingCharacters(in: .whitespaces)), length >= 0, length <= maxBodyBytes
        else {
            throw TestClientError.protocolViolation("unusable Content-Length \(lengthText)")
        }
        return try connection.read(count: length, until: deadline)
    }

    /// Parses a status line and headers ending in an empty line; the body is left empty.
    static func parseHead(_ head: [UInt8]) throws -> HTTPResponse {
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = (lines.first ?? "").split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw TestClientError.protocolViolation("bad status line \(lines.first?.prefix(100) ?? "")")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                throw TestClientError.protocolViolation("header line without a colon: \(line.prefix(100))")
            }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append((name, value))
        }
        let reason = statusParts.count > 2 ? String(statusParts[2]) : ""
        return HTTPResponse(status: status, reason: reason, headers: headers, body: [])
    }

    private static func readChunkedBody(
        from connection: BufferedConnection,
        until deadline: ContinuousClock.Instant
    ) throws -> [UInt8] {
        var body: [UInt8] = []
        let lineEnd = Array("\r\n".utf8)
        // A chunk costs at least three bytes, so the body limit also bounds the number of chunks.
        for _ in 0..<maxBodyBytes {
            let sizeBytes = try connection.read(through: lineEnd, limit: 1024, until: deadline)
            let sizeLine = String(decoding: sizeBytes.dropLast(2), as: UTF8.self)
            let sizeText = sizeLine.split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0,
                size <= maxBodyBytes - body.count
            else {
                throw TestClientError.protocolViolation("bad chunk size \(sizeLine.prefix(40))")
            }
            if size == 0 {
                try skipTrailers(from: connection, until: deadline)
                return body
            }
            body += try connection.read(count: size, until: deadline)
            guard try connection.read(count: 2, until: deadline) == lineEnd else {
                throw TestClientError.protocolViolation("chunk not followed by CRLF")
            }
        }
        throw TestClientError.protocolViolation("too many chunks")
    }

    private static func skipTrailers(
        from connection: BufferedConnection,
        until deadline: ContinuousClock.Instant
    ) throws {
        for _ in 0..<100 {
            let line = try connection.read(through: Array("\r\n".utf8), limit: maxHeadBytes, until: deadline)
            if line.count == 2 { return }
        }
        throw TestClientError.protocolViolation("more than 100 trailer lines")
    }
}

// One acknowledgement POST as a libcurl easy handle: options, headers, and what came back.

import BridgeCore
import CCurl

/// An easy handle set up for one signed POST. It keeps the header list alive for the length of
/// the transfer, discards the response body, and notes the status line and `Retry-After`.
///
/// Not thread-safe: it belongs to the worker thread that runs the multi handle.
final class CurlTransfer {
    /// How a transfer is set up, apart from its request.
    struct Limits {
        /// Seconds to connect (`CURLOPT_CONNECTTIMEOUT`).
        var connectTimeoutSeconds: Int
        /// Seconds for the whole transfer (`CURLOPT_TIMEOUT`).
        var timeoutSeconds: Int
    }

    /// Response body bytes read before the transfer is cut short; the body is never used.
    static let maxBodyBytes = 64 * 1024
    /// Longest `Retry-After` value kept.
    static let maxRetryAfterBytes = 64

    /// The easy handle; the multi handle reports completions by it.
    let handle: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var retryAfter: String?
    private var bodyBytes = 0
    private var bodyLimitHit = false

    /// Prepares a POST of `body` with `headers` to `url`; nil when libcurl refuses an option
    /// (an unusable URL, or a libcurl without http).
    init?(url: String, headers: [(name: String, value: String)], body: [UInt8], limits: Limits) {
        guard let handle = curl_easy_init() else {
            return nil
        }
        self.handle = handle
        var list: UnsafeMutablePointer<curl_slist>?
        // An empty `Expect:` stops libcurl from waiting for `100 Continue` before the body.
        for line in headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            guard let extended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                curl_easy_cleanup(handle)
                return nil
            }
            list = extended
        }
        headerList = list
        guard configure(url: url, body: body, limits: limits) else {
            return nil
        }
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
    }

    /// What the attempt got, given the transfer's result code.
    func response(for code: CURLcode) -> DeliveryResponse {
        var status = 0
        _ = bridge_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        // A body cut short still came with a complete status line and headers.
        if code == CURLE_OK || (code == CURLE_WRITE_ERROR && bodyLimitHit), status > 0 {
            return .http(status: status, retryAfter: retryAfter)
        }
        return .transportError(String(cString: curl_easy_strerror(code)))
    }

    private func configure(url: String, body: [UInt8], limits: Limits) -> Bool {
        let user = Unmanaged.passUnretained(self).toOpaque()
        let results: [CURLcode] = [
            bridge_curl_easy_setopt_string(handle, CURLOPT_URL, url),
            bridge_curl_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
            bridge_curl_easy_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"),
            bridge_curl_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0),
            bridge_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1),
            bridge_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2),
            bridge_curl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1),
            bridge_curl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, limits.connectTimeoutSeconds),
            bridge_curl_easy_setopt_long(handle, CURLOPT_TIMEOUT, limits.timeoutSeconds),
            bridge_curl_easy_setopt_string(handle, CURLOPT_USERAGENT, "order-bridge-ack/1"),
            bridge_curl_easy_setopt_list(handle, CURLOPT_HTTPHEADER, headerList),
            bridge_curl_easy_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count),
            body.withUnsafeBufferPointer { bytes in
                // COPYPOSTFIELDS copies `POSTFIELDSIZE` bytes now, so the array may go.
                bytes.baseAddress.map { base in
                    base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                        bridge_curl_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, $0)
                    }
                } ?? bridge_curl_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "")
            },
            bridge_curl_easy_setopt_callback(
                handle,
                CURLOPT_HEADERFUNCTION,
                { data, size, count, user in
                    guard let user else { return 0 }
                    let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
                    return transfer.receiveHeader(data, size: size, count: count)
                }
            ),
            bridge_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, user),
            bridge_curl_easy_setopt_callback(
                handle,
                CURLOPT_WRITEFUNCTION,
                { _, size, count, user in
                    guard let user else { return 0 }
                    let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
                    return transfer.receiveBody(size: size, count: count)
                }
            ),
            bridge_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, user),
        ]
        return results.allSatisfy { $0 == CURLE_OK }
    }

    /// One header line, CRLF included. A status line starts a new response (after a `100
    /// Continue`, say), so it forgets the `Retry-After` of the one before.
    private func receiveHeader(_ data: UnsafeMutablePointer<CChar>?, size: Int, count: Int) -> Int {
        let (total, overflow) = size.multipliedReportingOverflow(by: count)
        guard !overflow, let data else {
            return 0
        }
        let line = UnsafeRawBufferPointer(start: data, count: total)
        if line.starts(with: "HTTP/".utf8) {
            retryAfter = nil
        } else if let value = Self.value(of: "retry-after:", in: line) {
            retryAfter = value
        }
        return total
    }

    private func receiveBody(size: Int, count: Int) -> Int {
        let (total, overflow) = size.multipliedReportingOverflow(by: count)
        guard !overflow else {
            return 0
        }
        bodyBytes += total
        guard bodyBytes <= Self.maxBodyBytes else {
            bodyLimitHit = true
            return 0
        }
        return total
    }

    /// The trimmed value of the header `name` (lower-case, with its colon) if `line` is that header.
    private static func value(of name: String, in line: UnsafeRawBufferPointer) -> String? {
        let prefix = Array(name.utf8)
        guard line.count > prefix.count,
            zip(line, prefix).allSatisfy({ lowercase($0) == $1 })
        else {
            return nil
        }
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        let rest = line.dropFirst(prefix.count)
        guard let first = rest.firstIndex(where: { !isSpace($0) }), let last = rest.lastIndex(where: { !isSpace($0) })
        else {
            return ""
        }
        let value = line[first...last]
        guard value.count <= maxRetryAfterBytes else {
            return nil
        }
        return String(decoding: value, as: UTF8.self)
    }

    private static func lowercase(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
    }
}

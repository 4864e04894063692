// Reading request facts (method, headers, query) off an lws connection, bounded and safe.

import CLibWebSockets

/// Read-only helpers over one lws connection's parsed request headers.
struct LWSRequest {
    /// Longest header value read; lws itself caps the header area well below this.
    static let maxHeaderBytes = 16 * 1024

    let wsi: OpaquePointer

    /// The request method, from whichever method-URI token lws filled.
    var method: String {
        let tokens: [(lws_token_indexes, String)] = [
            (WSI_TOKEN_GET_URI, "GET"), (WSI_TOKEN_POST_URI, "POST"), (WSI_TOKEN_OPTIONS_URI, "OPTIONS"),
            (WSI_TOKEN_PUT_URI, "PUT"), (WSI_TOKEN_PATCH_URI, "PATCH"), (WSI_TOKEN_DELETE_URI, "DELETE"),
            (WSI_TOKEN_HEAD_URI, "HEAD"),
        ]
        for (token, name) in tokens where lws_hdr_total_length(wsi, token) > 0 {
            return name
        }
        return "OTHER"
    }

    /// A well-known header's value, or nil when absent or unreadable.
    func header(_ token: lws_token_indexes) -> String? {
        let length = Int(lws_hdr_total_length(wsi, token))
        guard length > 0, length <= Self.maxHeaderBytes else { return nil }
        var buffer = [CChar](repeating: 0, count: length + 1)
        let copied = Int(lws_hdr_copy(wsi, &buffer, Int32(buffer.count), token))
        guard copied >= 0, copied <= length else { return nil }
        return Self.text(buffer[0..<copied])
    }

    /// Whether a well-known header was sent at all, even empty.
    func hasHeader(_ token: lws_token_indexes) -> Bool {
        lws_hdr_total_length(wsi, token) > 0
    }

    /// A header lws does not know by name (`webhook-id`, …); `name` is lower-case without colon.
    func customHeader(_ name: String) -> String? {
        let key = name + ":"
        let keyLength = Int32(key.utf8.count)
        let length = Int(lws_hdr_custom_length(wsi, key, keyLength))
        guard length > 0, length <= Self.maxHeaderBytes else { return nil }
        var buffer = [CChar](repeating: 0, count: length + 1)
        let copied = Int(lws_hdr_custom_copy(wsi, &buffer, Int32(buffer.count), key, keyLength))
        guard copied >= 0, copied <= length else { return nil }
        return Self.text(buffer[0..<copied])
    }

    /// A query-string argument's value (lws has already %-decoded it), or nil.
    func queryArgument(_ name: String, maxBytes: Int = 8192) -> String? {
        var buffer = [CChar](repeating: 0, count: maxBytes + name.utf8.count + 2)
        return buffer.withUnsafeMutableBufferPointer { storage -> String? in
            guard let base = storage.baseAddress,
                let value = lws_get_urlarg_by_name(wsi, name + "=", base, Int32(storage.count))
            else { return nil }
            return String(cString: value)
        }
    }

    /// Every query argument (lws has already %-decoded them); at most 32, the last value wins.
    func queryArguments() -> [String: String] {
        var arguments: [String: String] = [:]
        var buffer = [CChar](repeating: 0, count: 4096)
        for index in 0..<32 {
            let copied = Int(
                lws_hdr_copy_fragment(wsi, &buffer, Int32(buffer.count), WSI_TOKEN_HTTP_URI_ARGS, Int32(index))
            )
            guard copied > 0, copied < buffer.count else { break }
            let pair = Self.text(buffer[0..<copied])
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first, !name.isEmpty else { continue }
            arguments[String(name)] = parts.count > 1 ? String(parts[1]) : ""
        }
        return arguments
    }

    /// The peer's IP address as text.
    var peerAddress: String {
        var buffer = [CChar](repeating: 0, count: 64)
        guard lws_get_peer_simple(wsi, &buffer, buffer.count) != nil else { return "unknown" }
        let end = buffer.firstIndex(of: 0) ?? buffer.count
        return Self.text(buffer[0..<end])
    }

    private static func text(_ chars: ArraySlice<CChar>) -> String {
        String(decoding: chars.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

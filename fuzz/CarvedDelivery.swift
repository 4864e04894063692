// Cuts one fuzz input into the three signature headers and the body of a webhook delivery.

/// A webhook delivery carved out of raw bytes: `id NUL timestamp NUL signature NUL body`.
///
/// A header whose separator never comes is absent (`nil`), so short inputs exercise the
/// missing-header paths too. Header bytes become strings the way the server reads them,
/// with invalid UTF-8 repaired, and the body keeps its raw bytes.
struct CarvedDelivery {
    /// The `webhook-id` header, or nil when absent.
    var id: String?
    /// The `webhook-timestamp` header, or nil when absent.
    var timestamp: String?
    /// The `webhook-signature` header, or nil when absent.
    var signature: String?
    /// Everything after the third NUL; the whole input when there are fewer than three.
    var body: [UInt8]

    /// Splits `bytes` at its first three zero bytes.
    init(_ bytes: [UInt8]) {
        var headers: [String] = []
        var rest = bytes[...]
        while headers.count < 3, let end = rest.firstIndex(of: 0) {
            headers.append(String(decoding: rest[..<end], as: UTF8.self))
            rest = rest[rest.index(after: end)...]
        }
        id = headers.count > 0 ? headers[0] : nil
        timestamp = headers.count > 1 ? headers[1] : nil
        signature = headers.count > 2 ? headers[2] : nil
        body = headers.count == 3 ? Array(rest) : bytes
    }
}

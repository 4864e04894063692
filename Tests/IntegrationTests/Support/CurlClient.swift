// HTTPS requests to a TLS test server through the curl command line, trusting one CA file.

import Foundation

/// Sends one request per curl run to `https://127.0.0.1:port`, verifying the server against
/// `caFile` (no `--insecure`: the test proves the certificate is served and valid).
struct CurlClient: Sendable {
    /// The server's port.
    var port: UInt16
    /// The PEM file of the CA (for a self-signed server, its certificate).
    var caFile: String
    /// The HTTP version to ask for; curl's default offers HTTP/2 through ALPN.
    var version: HTTPVersion = .negotiated

    /// Which HTTP version curl speaks over TLS.
    enum HTTPVersion: String, CaseIterable, CustomStringConvertible, Sendable {
        /// curl's default: HTTP/2 when the server accepts it in ALPN, as most clients do.
        case negotiated
        /// HTTP/1.1 only (`--http1.1`).
        case http1

        var description: String { rawValue }

        /// The curl options that select it.
        var options: [String] { self == .http1 ? ["--http1.1"] : [] }
    }

    /// The status and body of one answer.
    struct Answer: Sendable, CustomStringConvertible {
        /// The HTTP status; 0 when curl got no answer at all.
        var status: Int
        /// The body as text.
        var body: String
        /// What curl printed on stderr.
        var error: String

        var description: String { "\(status) \(body.prefix(300)) \(error.prefix(300))" }
    }

    /// Sends `method path` with `headers` and `body`, waiting at most `timeout`.
    func request(
        _ method: String,
        _ path: String,
        headers: [(String, String)] = [],
        body: [UInt8] = [],
        timeout: Duration = .seconds(10)
    ) throws -> Answer {
        var arguments = ["-sS", "--cacert", caFile, "-X", method, "-o", "-", "-w", "\n%{http_code}"] + version.options
        arguments += ["--max-time", String(timeout.components.seconds)]
        for (name, value) in headers {
            arguments += ["-H", "\(name): \(value)"]
        }
        if !body.isEmpty || method == "POST" {
            arguments += ["--data-binary", "@-"]
        }
        arguments.append("https://127.0.0.1:\(port)\(path)")
        let result = try ExternalTool.curl().run(arguments, input: body, timeout: timeout + .seconds(5))
        // `-w` puts the status after the body, on a line of its own.
        var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = lines.popLast().flatMap { Int($0) } ?? 0
        return Answer(status: status, body: lines.joined(separator: "\n"), error: result.stderr)
    }

    /// `GET path`.
    func get(_ path: String) throws -> Answer {
        try request("GET", path)
    }

    /// POSTs `webhook` to `/webhooks/shop`, signed as `WebhookSender` signs.
    func send(_ webhook: SignedWebhook) throws -> Answer {
        try request("POST", "/webhooks/shop", headers: webhook.headers(), body: webhook.body)
    }
}

// `bridge send`: sign a payload file the Standard Webhooks way and POST it, for integrators.

import BridgeCore
import BridgeCrypto
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

enum SendCommand {
    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        do {
            let options = try Options(arguments, allowed: ["source", "file", "url", "id"])
            let source = try options.required("source")
            let file = try options.required("file")
            guard let body = FileManager.default.contents(atPath: file) else {
                throw UsageError("cannot read --file \(file)")
            }
            let variable = SourceConfiguration.secretVariable(for: source)
            let secrets = Environment(environment).list(variable)
            guard let first = secrets.first else { throw UsageError("\(variable) must be set") }
            let crypto = try OpenSSLCrypto()
            let secret: WebhookSecret
            do {
                secret = try WebhookSecret(first, crypto: crypto)
            } catch {
                throw UsageError("\(variable): \(error.message)")
            }
            let signer = try StandardWebhookVerifier(secrets: [secret], crypto: crypto)
            let port = environment["PORT"].flatMap { $0.isEmpty ? nil : $0 } ?? "8080"
            let urlText = options["url"] ?? "http://127.0.0.1:\(port)/webhooks/\(source)"
            guard let url = URL(string: urlText), ["http", "https"].contains(url.scheme ?? "") else {
                throw UsageError("--url must be an http(s) URL")
            }
            let webhookID = options["id"] ?? "msg_" + crypto.randomBytes(12).map { String(format: "%02x", $0) }.joined()
            let timestamp = String(Int64(Date().timeIntervalSince1970))
            var request = URLRequest(url: url, timeoutInterval: 15)
            request.httpMethod = "POST"
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "content-type")
            request.setValue(webhookID, forHTTPHeaderField: "webhook-id")
            request.setValue(timestamp, forHTTPHeaderField: "webhook-timestamp")
            request.setValue(
                signer.sign(id: webhookID, timestamp: timestamp, body: Array(body)),
                forHTTPHeaderField: "webhook-signature"
            )
            let status: Int
            let responseBody: Data
            do {
                (status, responseBody) = try post(request)
            } catch let error as URLError {
                printError("cannot reach \(url.absoluteString): \(Self.reason(error))")
                return 1
            }
            print("HTTP \(status)")
            print(String(decoding: responseBody, as: UTF8.self))
            return (200..<300).contains(status) ? 0 : 1
        } catch let error as UsageError {
            printError(error.message)
            return 64
        } catch {
            printError("\(error)")
            return 1
        }
    }

    /// Foundation on Linux describes most transport errors as "(null)"; say what happened.
    private static func reason(_ error: URLError) -> String {
        switch error.code {
        case .cannotConnectToHost: "connection refused (is the bridge running there? check HOST and PORT)"
        case .timedOut: "no answer within 15 s"
        case .cannotFindHost, .dnsLookupFailed: "unknown host"
        case .networkConnectionLost: "the connection was closed before an answer"
        default: "network error \(error.code.rawValue)"
        }
    }

    private static func post(_ request: URLRequest) throws -> (Int, Data) {
        let semaphore = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<(Int, Data), Error> = .failure(UsageError("no response"))
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            if let error {
                outcome = .failure(error)
            } else {
                outcome = .success(((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data()))
            }
            semaphore.signal()
        }
        task.resume()
        semaphore.wait()
        return try outcome.get()
    }
}

// How a request says how long its body is: one decimal Content-Length, nothing else.

import Foundation
import Testing

@Suite(.serialized)
struct RequestLengthTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let path: String
        let lengthHeaders: String
        let status: Int
        let code: String
        let message: String
        var testDescription: String { name }
    }

    static let cases = [
        Case(
            name: "negative length on the API",
            path: "/api/notifications",
            lengthHeaders: "Content-Length: -5\r\n",
            status: 400,
            code: "bad_request",
            message: "Content-Length must be one non-negative decimal number"
        ),
        Case(
            name: "two lengths on a webhook",
            path: "/webhooks/shop",
            lengthHeaders: "Content-Length: 2\r\nContent-Length: 2\r\n",
            status: 400,
            code: "bad_request",
            message: "Content-Length must be one non-negative decimal number"
        ),
        Case(
            name: "a signed length on a webhook",
            path: "/webhooks/shop",
            lengthHeaders: "Content-Length: +2\r\n",
            status: 400,
            code: "bad_request",
            message: "Content-Length must be one non-negative decimal number"
        ),
        Case(
            name: "identity transfer coding on a webhook",
            path: "/webhooks/shop",
            lengthHeaders: "Transfer-Encoding: identity\r\nContent-Length: 2\r\n",
            status: 411,
            code: "length_required",
            message: "Transfer-Encoding is not supported; send the body with Content-Length"
        ),
    ]

    @Test(arguments: cases)
    func aLengthTheBridgeCannotTrustIsNamed(_ test: Case) throws {
        let server = try BridgeProcess.start()
        defer { server.stop() }
        let request =
            "POST \(test.path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + test.lengthHeaders + "\r\n{}"
        let answer = try LoopbackSocket.exchange(request, port: server.port)
        #expect(answer.hasPrefix("HTTP/1.1 \(test.status) "), "\(answer.prefix(300))")
        #expect(answer.contains(#""code":"\#(test.code)""#), "\(answer.prefix(300))")
        #expect(answer.contains(test.message), "\(answer.prefix(300))")
        try server.expectHealthy()
    }
}

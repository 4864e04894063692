// WebSocket close codes and client error codes: valid ranges, uniqueness, spelling, and the protocol reference.

import BridgeCore
import Foundation
import Testing

/// Codes RFC 6455 reserves for local use; an endpoint must never send them in a close frame.
private let neverSent: Set<UInt16> = [1004, 1005, 1006, 1015]

/// `docs/protocol.md`, found from this file's place in the repository.
private func protocolReference() throws -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    return try String(contentsOf: root.appendingPathComponent("docs/protocol.md"), encoding: .utf8)
}

/// The first cells of the table rows under `heading`, without their back-ticks.
private func tableCodes(in text: String, under heading: String) -> [String] {
    guard let start = text.range(of: heading) else { return [] }
    var codes: [String] = []
    var inTable = false
    for line in text[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
        if line.hasPrefix("#") { break }
        guard line.hasPrefix("|") else {
            if inTable { break }
            continue
        }
        inTable = true
        let cell = line.split(separator: "|").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if cell.hasPrefix("`") && cell.hasSuffix("`") { codes.append(String(cell.dropFirst().dropLast())) }
    }
    return codes
}

@Suite struct ProtocolCodesTests {
    @Test(arguments: CloseCode.allCases)
    func closeCodeMayBeSent(_ code: CloseCode) {
        #expect((1000...4999).contains(code.rawValue))
        #expect(!neverSent.contains(code.rawValue))
        // 1000–2999 belong to the RFC: only the registered ones may be used.
        if code.rawValue < 3000 {
            #expect([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014].contains(code.rawValue))
        }
    }

    @Test func closeCodesAreUnique() {
        let values = CloseCode.allCases.map(\.rawValue)
        #expect(Set(values).count == values.count)
    }

    @Test(arguments: [
        (CloseCode.normal, false), (.goingAway, true), (.protocolError, false), (.invalidPayload, false),
        (.messageTooBig, true), (.tryAgainLater, true), (.authenticationFailed, true), (.authenticationTimeout, true),
    ])
    func reconnectAdviceMatchesTheReference(_ code: CloseCode, _ reconnect: Bool) {
        #expect(code.clientShouldReconnect == reconnect)
    }

    @Test(arguments: ClientErrorCode.allCases)
    func errorCodeIsSnakeCase(_ code: ClientErrorCode) {
        let value = code.rawValue
        let allowed = value.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || $0 == "_" }
        #expect(allowed && !value.isEmpty)
        #expect(!value.hasPrefix("_") && !value.hasSuffix("_") && !value.contains("__"))
    }

    @Test func errorCodesAreUnique() {
        let values = ClientErrorCode.allCases.map(\.rawValue)
        #expect(Set(values).count == values.count)
    }

    @Test func everyCodeInTheCodeIsInTheProtocolReference() throws {
        let text = try protocolReference()
        let closeCodes = Set(tableCodes(in: text, under: "## Close codes"))
        let errorCodes = Set(tableCodes(in: text, under: "## Error codes"))
        #expect(!closeCodes.isEmpty && !errorCodes.isEmpty)
        for code in CloseCode.allCases { #expect(closeCodes.contains(String(code.rawValue)), "\(code)") }
        for code in ClientErrorCode.allCases { #expect(errorCodes.contains(code.rawValue), "\(code)") }
    }

    @Test func everyCodeInTheProtocolReferenceIsInTheCode() throws {
        let text = try protocolReference()
        let named = Set(CloseCode.allCases.map { String($0.rawValue) })
        for code in tableCodes(in: text, under: "## Close codes") {
            #expect(named.contains(code), "close code \(code) is documented but not in CloseCode")
        }
        let errors = Set(ClientErrorCode.allCases.map(\.rawValue))
        for code in tableCodes(in: text, under: "## Error codes") {
            #expect(errors.contains(code), "error code \(code) is documented but not in ClientErrorCode")
        }
    }
}

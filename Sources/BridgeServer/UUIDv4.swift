// Random UUIDs for event ids, from the crypto provider's generator.

import BridgeCore
import Foundation

/// Makes RFC 9562 version-4 UUID strings.
enum UUIDv4 {
    static func make(crypto: any CryptoProvider) -> String {
        var bytes = crypto.randomBytes(16)
        guard bytes.count == 16 else { return UUID().uuidString.lowercased() }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }
        return hex[0..<4].joined() + "-" + hex[4..<6].joined() + "-" + hex[6..<8].joined() + "-"
            + hex[8..<10].joined() + "-" + hex[10..<16].joined()
    }
}

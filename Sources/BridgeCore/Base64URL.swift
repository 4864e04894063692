// Base64url without padding (RFC 4648 §5), as JWTs use it, built on a provider's standard base64.

extension CryptoProvider {
    /// `bytes` as base64url with no `=` padding.
    public func base64URLEncode(_ bytes: [UInt8]) -> String {
        var encoded: [UInt8] = []
        encoded.reserveCapacity(bytes.count / 3 * 4 + 4)
        for byte in base64Encode(bytes).utf8 {
            switch byte {
            case UInt8(ascii: "+"): encoded.append(UInt8(ascii: "-"))
            case UInt8(ascii: "/"): encoded.append(UInt8(ascii: "_"))
            case UInt8(ascii: "="): break
            default: encoded.append(byte)
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// Decodes unpadded base64url; `nil` for padding, the standard alphabet's `+` and `/`,
    /// any other character outside the URL-safe alphabet, or an impossible length.
    public func base64URLDecode(_ text: String) -> [UInt8]? {
        let padding: Int
        switch text.utf8.count % 4 {
        case 0: padding = 0
        case 2: padding = 2
        case 3: padding = 1
        default: return nil
        }

        var standard: [UInt8] = []
        standard.reserveCapacity(text.utf8.count + padding)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "-"): standard.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): standard.append(UInt8(ascii: "/"))
            case UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="): return nil
            default: standard.append(byte)
            }
        }
        standard.append(contentsOf: repeatElement(UInt8(ascii: "="), count: padding))
        return base64Decode(String(decoding: standard, as: UTF8.self))
    }
}

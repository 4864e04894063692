// Standard base64 through libcrypto, with the strict input checks EVP_DecodeBlock lacks.

import COpenSSL

extension OpenSSLCrypto {
    /// Input bytes per `EVP_EncodeBlock` call: a multiple of 3, so only the last call pads,
    /// and small enough for the `int` length the function takes.
    private static let encodeChunkBytes = 3 * 16_384

    /// Input characters per `EVP_DecodeBlock` call: a multiple of 4 for the same reasons.
    private static let decodeChunkCharacters = 4 * 16_384

    /// Padded standard base64 from `EVP_EncodeBlock`, with no line breaks.
    public func base64Encode(_ bytes: [UInt8]) -> String {
        guard !bytes.isEmpty else { return "" }
        let encodedCount = (bytes.count + 2) / 3 * 4
        return bytes.withUnsafeBufferPointer { input in
            // One spare byte for the NUL that EVP_EncodeBlock writes after its output.
            String(unsafeUninitializedCapacity: encodedCount + 1) { output in
                guard let source = input.baseAddress, let target = output.baseAddress else { return 0 }
                var read = 0
                var written = 0
                while read < input.count {
                    let length = min(Self.encodeChunkBytes, input.count - read)
                    let produced = EVP_EncodeBlock(target + written, source + read, Int32(length))
                    guard produced > 0 else { return 0 }
                    read += length
                    written += Int(produced)
                }
                return written
            }
        }
    }

    /// Strict decoding: the input is checked here, then `EVP_DecodeBlock` decodes it, and the
    /// zero bytes it makes of the padding are dropped.
    public func base64Decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { Self.decode($0) }
    }

    private static func decode(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard !input.isEmpty else { return [] }
        guard let padding = validPadding(input), let source = input.baseAddress else { return nil }

        let blockCount = input.count / 4 * 3
        let decoded = [UInt8](unsafeUninitializedCapacity: blockCount) { output, initializedCount in
            initializedCount = 0
            guard let target = output.baseAddress else { return }
            var read = 0
            var written = 0
            while read < input.count {
                let length = min(decodeChunkCharacters, input.count - read)
                let produced = EVP_DecodeBlock(target + written, source + read, Int32(length))
                guard produced == length / 4 * 3 else { return }
                read += length
                written += Int(produced)
            }
            // EVP_DecodeBlock turns each '=' into a zero byte that is not part of the data.
            initializedCount = written - padding
        }
        return decoded.count == blockCount - padding ? decoded : nil
    }

    /// The number of '=' at the end when `input` is canonical padded base64, else `nil`.
    private static func validPadding(_ input: UnsafeBufferPointer<UInt8>) -> Int? {
        guard input.count % 4 == 0 else { return nil }
        let equals = UInt8(ascii: "=")
        var padding = 0
        if input[input.count - 1] == equals { padding += 1 }
        if input[input.count - 2] == equals { padding += 1 }

        var lastValue: UInt8 = 0
        for byte in input[..<(input.count - padding)] {
            guard let value = sextet(byte) else { return nil }
            lastValue = value
        }
        // The bits of the last character that carry no data must be zero, so that every
        // byte string has exactly one encoding.
        switch padding {
        case 1 where lastValue & 0x03 != 0: return nil
        case 2 where lastValue & 0x0F != 0: return nil
        default: return padding
        }
    }

    /// The 6-bit value of a standard-alphabet character; `nil` for anything else, '=' included.
    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}

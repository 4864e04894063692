// The libcrypto provider against published vectors, and base64 input that must never crash.

import BridgeCore
import BridgeCrypto
import Foundation
import Testing

@Suite struct CryptoTests {
    let crypto: OpenSSLCrypto

    init() throws {
        crypto = try OpenSSLCrypto()
    }

    // MARK: HMAC and SHA-256

    /// RFC 4231 test cases 1, 2 and 6, and an empty key and message (checked with Python's hmac).
    @Test(arguments: [
        (
            hexBytes("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), "Hi There",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        (
            Array("Jefe".utf8), "what do ya want for nothing?",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        (
            [UInt8](repeating: 0xaa, count: 131), "Test Using Larger Than Block-Size Key - Hash Key First",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        ([], "", "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"),
    ])
    func hmacMatchesPublishedVectors(key: [UInt8], message: String, expectedHex: String) {
        let mac = crypto.hmacSHA256Key(key)
        #expect(hexString(mac.authenticationCode(Array(message.utf8))) == expectedHex)
    }

    @Test func hmacOfPartsEqualsHMACOfTheirConcatenation() {
        let mac = crypto.hmacSHA256Key(Array("key".utf8))
        let whole = mac.authenticationCode(Array("msg_1.1614265330.{\"a\":1}".utf8))
        let parts = mac.authenticationCode([
            Array("msg_1.".utf8), [], Array("1614265330.".utf8), Array("{\"a\":1}".utf8),
        ])
        #expect(parts == whole)
        #expect(mac.authenticationCode([]) == mac.authenticationCode([UInt8]()))
    }

    @Test func oneKeyServesManyTasksAtOnce() async {
        let mac = crypto.hmacSHA256Key(Array("Jefe".utf8))
        let message = Array("what do ya want for nothing?".utf8)
        let expected = mac.authenticationCode(message)
        let allMatched = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (0..<200).allSatisfy { _ in mac.authenticationCode(message) == expected }
                }
            }
            return await group.allSatisfy { $0 }
        }
        #expect(allMatched)
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ])
    func sha256MatchesFIPSVectors(message: String, expectedHex: String) {
        #expect(hexString(crypto.sha256(Array(message.utf8))) == expectedHex)
    }

    // MARK: Random bytes

    @Test func randomBytesHaveTheAskedLength() {
        #expect(crypto.randomBytes(0).isEmpty)
        #expect(crypto.randomBytes(-5).isEmpty)
        #expect(crypto.randomBytes(1).count == 1)
        #expect(crypto.randomBytes(32).count == 32)
        #expect(crypto.randomBytes(32) != crypto.randomBytes(32))
    }

    // MARK: Constant-time comparison

    @Test(
        arguments: [
            ([], [], true),
            ([1, 2, 3], [1, 2, 3], true),
            ([1, 2, 3], [1, 2, 4], false),
            ([0, 2, 3], [1, 2, 3], false),
            ([1, 2, 3], [1, 2], false),
            ([], [0], false),
        ] as [([UInt8], [UInt8], Bool)]
    )
    func constantTimeEqualsComparesContentAndLength(a: [UInt8], b: [UInt8], equal: Bool) {
        #expect(constantTimeEquals(a, b) == equal)
    }

    // MARK: Base64

    /// RFC 4648 §10 test vectors.
    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ])
    func base64MatchesRFC4648(plain: String, encoded: String) {
        #expect(crypto.base64Encode(Array(plain.utf8)) == encoded)
        #expect(crypto.base64Decode(encoded) == Array(plain.utf8))
    }

    @Test func base64CoversAllByteValuesAndLongInput() {
        let allBytes = (0...255).map { UInt8($0) }
        #expect(crypto.base64Encode(allBytes) == Data(allBytes).base64EncodedString())

        // Longer than one encode chunk (49,152 bytes) and one decode chunk (65,536 characters),
        // with a length that needs padding.
        for count in [49_151, 49_152, 49_153, 100_001] {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
            let encoded = crypto.base64Encode(bytes)
            #expect(encoded == Data(bytes).base64EncodedString())
            #expect(crypto.base64Decode(encoded) == bytes)
        }
    }

    @Test(arguments: [
        "Zg=", "Zg", "Z", "Zm9", "Zg===", "Z===", "====", "=", "==",
        "Zm9v====", "Zm=v", "=Zm9", "Zg==Zg==",
        "Zm9v\n", " Zm9v", "Zm9v ", "Zm 9v", "Zm9v\r\n",
        "Zm-_", "Zm9v.", "Zm9v\u{0}",
        "Zh==", "Zm9=",
        "Zé9v", "Zé9", "Zm9vé===", "🙂🙂", "\u{FEFF}Zm9v",
    ])
    func base64RefusesNonCanonicalInput(text: String) {
        #expect(crypto.base64Decode(text) == nil)
    }

    @Test func base64URLUsesTheURLSafeAlphabetWithoutPadding() {
        #expect(crypto.base64URLEncode([0xfb, 0xff]) == "-_8")
        #expect(crypto.base64URLEncode([0xfb, 0xff, 0xfe]) == "-__-")
        #expect(crypto.base64URLEncode([]) == "")
        #expect(crypto.base64URLDecode("-_8") == [0xfb, 0xff])
        #expect(crypto.base64URLDecode("-__-") == [0xfb, 0xff, 0xfe])
        #expect(crypto.base64URLDecode("") == [])
    }

    @Test(arguments: ["+_8", "-/8", "-_8=", "Zg==", "a", "abcde", "ab cd", "ab\u{0}c", "é", "Zh"])
    func base64URLRefusesBadInput(text: String) {
        #expect(crypto.base64URLDecode(text) == nil)
    }
}

/// Lower-case hex of `bytes`.
private func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// The bytes of an even-length lower-case hex string; test input only.
private func hexBytes(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex, let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex) {
        bytes.append(UInt8(text[index..<next], radix: 16) ?? 0)
        index = next
    }
    return bytes
}

// Finds the members of a top-level JSON object without decoding it, so the bridge can refuse
// duplicate keys and pass `data` through byte for byte.

import Foundation

/// A single pass over JSON text that reports each top-level member's key and value span.
/// It checks structure only as far as it needs to (strings, nesting, commas); full validation is
/// the decoder's job.
public enum JSONObjectScanner {
    /// One member of the top-level object.
    public struct Member: Sendable, Equatable {
        /// The key with its escapes decoded, as a decoder sees it: `"d\u0061ta"` is `data`.
        public var key: String
        /// Where the value's text starts and ends in the scanned bytes.
        public var valueRange: Range<Int>
    }

    /// Why a text was refused.
    public enum Failure: Error, Sendable, Equatable {
        /// Not a JSON object, or its structure is broken.
        case notAnObject
        /// A comma right before `}` or `]`, which JSON does not allow.
        case trailingComma
        /// The same key appears twice in the top-level object, however each was spelled.
        case duplicateKey(String)
    }

    /// The top-level members of `bytes`, in order.
    public static func members(_ bytes: [UInt8]) throws(Failure) -> [Member] {
        var index = skipSpace(bytes, 0)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { throw .notAnObject }
        index += 1
        var members: [Member] = []
        var seen: Set<String> = []
        index = skipSpace(bytes, index)
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            return try finish(bytes, index + 1, members)
        }
        while true {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw bytes.indices.contains(index) && bytes[index] == UInt8(ascii: "}") ? .trailingComma : .notAnObject
            }
            let keyEnd = try stringEnd(bytes, index)
            let key = try decodedKey(bytes[(index + 1)..<(keyEnd - 1)])
            guard seen.insert(key).inserted else { throw .duplicateKey(key) }
            index = skipSpace(bytes, keyEnd)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw .notAnObject }
            let valueStart = skipSpace(bytes, index + 1)
            let valueEnd = try valueEnd(bytes, valueStart)
            members.append(Member(key: key, valueRange: valueStart..<valueEnd))
            index = skipSpace(bytes, valueEnd)
            guard index < bytes.count else { throw .notAnObject }
            if bytes[index] == UInt8(ascii: "}") { return try finish(bytes, index + 1, members) }
            guard bytes[index] == UInt8(ascii: ",") else { throw .notAnObject }
            index = skipSpace(bytes, index + 1)
        }
    }

    private static func finish(_ bytes: [UInt8], _ index: Int, _ members: [Member]) throws(Failure) -> [Member] {
        guard skipSpace(bytes, index) == bytes.count else { throw .notAnObject }
        return members
    }

    /// A key's text between its quotes with escapes decoded. Compared as written, `"orgId"` and
    /// `"org\u0049d"` would both pass as distinct keys, and a decoder that keeps the first would
    /// route the event to one tenant while a reader that keeps the last sees another.
    private static func decodedKey(_ raw: ArraySlice<UInt8>) throws(Failure) -> String {
        guard raw.contains(UInt8(ascii: "\\")) else { return String(decoding: raw, as: UTF8.self) }
        let quoted = [UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")]
        guard let key = try? JSONDecoder().decode(String.self, from: Data(quoted)) else { throw .notAnObject }
        return key
    }

    private static func skipSpace(_ bytes: [UInt8], _ start: Int) -> Int {
        var index = start
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D
        {
            index += 1
        }
        return index
    }

    /// The index just past the closing quote of the string starting at `start`.
    private static func stringEnd(_ bytes: [UInt8], _ start: Int) throws(Failure) -> Int {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        throw .notAnObject
    }

    /// The index just past the value starting at `start`; nested arrays and objects are skipped
    /// whole, refusing trailing commas inside them.
    private static func valueEnd(_ bytes: [UInt8], _ start: Int) throws(Failure) -> Int {
        guard start < bytes.count else { throw .notAnObject }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return try stringEnd(bytes, start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = start
            var lastSignificant: UInt8 = 0
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index = try stringEnd(bytes, index)
                    lastSignificant = byte
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if lastSignificant == UInt8(ascii: ",") { throw .trailingComma }
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default:
                    break
                }
                if byte != 0x20, byte != 0x09, byte != 0x0A, byte != 0x0D { lastSignificant = byte }
                index += 1
            }
            throw .notAnObject
        default:
            var index = start
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == 0x20 || byte == 0x09
                    || byte == 0x0A || byte == 0x0D
                {
                    break
                }
                index += 1
            }
            guard index > start else { throw .notAnObject }
            return index
        }
    }
}

// The checks every broker message passes before its own fields are read: size, depth, a JSON
// object, only known members, and the format's version.

import Foundation

/// The outer layer shared by the broker's wire formats.
enum WireFormatEnvelope {
    /// The members of `bytes`, a JSON object of at most `maxBytes` bytes and `depth` levels whose
    /// member names are all in `knownKeys` and whose `v` is `version`.
    static func members(
        of bytes: [UInt8],
        maxBytes: Int,
        depth: Int,
        knownKeys: Set<String>,
        version: Int64
    ) throws(WireFormatError) -> [String: JSONValue] {
        guard bytes.count <= maxBytes else {
            throw WireFormatError(field: nil, "message is larger than \(maxBytes) bytes")
        }
        // Checked before decoding, so that the decoder never recurses deeper than a message does.
        guard JSONNesting.isWithin(bytes, limit: depth) else {
            throw WireFormatError(field: nil, "message nests deeper than \(depth) levels")
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)),
            let members = value.objectValue
        else {
            throw WireFormatError(field: nil, "message is not a JSON object")
        }
        // The unknown name itself is input, so it is not repeated in the error.
        guard members.keys.allSatisfy(knownKeys.contains) else {
            throw WireFormatError(field: nil, "message has a field this version does not know")
        }
        guard case .integer(version)? = members["v"] else {
            throw WireFormatError(field: "v", "must be \(version)")
        }
        return members
    }

    /// The sending instance's id in `members`: a lowercase UUID.
    static func instanceID(in members: [String: JSONValue]) throws(WireFormatError) -> String {
        guard let id = members["instance"]?.stringValue, PresenceWireFormat.isUUID(id) else {
            throw WireFormatError(field: "instance", "must be a lowercase UUID")
        }
        return id
    }
}

// Reading `JSONValue` members in assertions without pattern matching at every step.

import BridgeCore

extension JSONValue {
    /// The member `key` of an object; nil for a missing member or a non-object.
    subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The integer, when this is one.
    var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The Boolean, when this is one.
    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
}

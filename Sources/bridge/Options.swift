// `--name value` option parsing for the small subcommands.

/// Flags given as `--name value` pairs.
struct Options {
    private var values: [String: String] = [:]

    /// Parses `arguments`; every flag must be one of `allowed` and carry a value.
    init(_ arguments: [String], allowed: Set<String>) throws(UsageError) {
        var index = 0
        while index < arguments.count {
            let flag = arguments[index]
            guard flag.hasPrefix("--"), allowed.contains(String(flag.dropFirst(2))) else {
                throw UsageError("unknown option '\(flag)'")
            }
            guard index + 1 < arguments.count else { throw UsageError("\(flag) needs a value") }
            values[String(flag.dropFirst(2))] = arguments[index + 1]
            index += 2
        }
    }

    /// An optional flag's value.
    subscript(_ name: String) -> String? { values[name] }

    /// A required flag's value.
    func required(_ name: String) throws(UsageError) -> String {
        guard let value = values[name], !value.isEmpty else { throw UsageError("--\(name) is required") }
        return value
    }
}

/// A command line that does not parse; the message is shown to the user.
struct UsageError: Error {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}

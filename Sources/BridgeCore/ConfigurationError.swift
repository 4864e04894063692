// A configuration value that stops start-up, naming the variable but never its value.

/// A bad or missing setting. `description` names the variable and the rule, never the value.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The environment variable at fault.
    public var variable: String
    /// What a good value looks like.
    public var reason: String

    /// Creates an error for `variable`; `reason` states the rule and must not quote the value.
    public init(_ variable: String, _ reason: String) {
        self.variable = variable
        self.reason = reason
    }

    /// `VARIABLE: reason`, safe to log because it never includes the value.
    public var description: String { "\(variable): \(reason)" }
}

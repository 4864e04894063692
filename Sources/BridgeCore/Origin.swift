// Browser origins compared exactly: scheme, host and port, nothing looser.

/// Normalises `scheme://host[:port]` strings so configured and received origins compare exactly.
public enum Origin {
    /// Lower-cases scheme and host, drops a default port and a trailing slash; nil for anything
    /// that is not an http(s) origin (paths, queries, credentials, `null`).
    public static func normalise(_ text: String) -> String? {
        // ASCII first: lower-casing maps look-alikes (the Kelvin sign) onto ASCII letters.
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        var value = text.lowercased()
        if value.hasSuffix("/") { value.removeLast() }
        let scheme: String
        if value.hasPrefix("http://") {
            scheme = "http"
        } else if value.hasPrefix("https://") {
            scheme = "https"
        } else {
            return nil
        }
        let authority = value.dropFirst(scheme.count + 3)
        guard !authority.isEmpty, authority.count <= 253 + 6,
            authority.allSatisfy({ $0.isLetter || $0.isNumber || "-.:[]".contains($0) }),
            authority.allSatisfy(\.isASCII)
        else { return nil }
        var host = Substring(authority)
        var port: Substring? = nil
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        }
        // A colon may appear in the host only inside an IPv6 literal's brackets.
        let isBracketed = host.hasPrefix("[") && host.hasSuffix("]") && host.count > 2
        let inner = isBracketed ? host.dropFirst().dropLast() : host
        guard !inner.isEmpty, !inner.contains("["), !inner.contains("]"),
            isBracketed ? inner.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) : !inner.contains(":")
        else { return nil }
        if let port {
            guard let number = Int(port), (1...65535).contains(number) else { return nil }
            let isDefault = (scheme == "http" && number == 80) || (scheme == "https" && number == 443)
            return isDefault ? "\(scheme)://\(host)" : "\(scheme)://\(host):\(number)"
        }
        return "\(scheme)://\(host)"
    }
}

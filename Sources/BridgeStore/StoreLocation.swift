// Where the events live, read from a `DATABASE_URL` value such as `sqlite:./data/bridge.sqlite3`.

import BridgeCore

/// The database a `DATABASE_URL` names. Its `description` never shows a password.
public enum StoreLocation: Sendable, Equatable {
    /// An SQLite file; the path is relative to the working directory unless it starts with `/`.
    case sqlite(path: String)
    /// A PostgreSQL connection URL (`postgres://` or `postgresql://`), kept whole for libpq.
    case postgres(url: String)

    /// Reads a database URL.
    ///
    /// Accepted SQLite forms: `sqlite:./relative`, `sqlite:relative`, `sqlite:/absolute`,
    /// `sqlite:///absolute`. PostgreSQL URLs are recognised but not checked further here.
    /// - Throws: `StoreError` with code `.configuration`; its message never repeats the value.
    public static func parse(_ url: String) throws -> StoreLocation {
        guard !url.isEmpty else {
            throw StoreError(.configuration, "the database URL is empty")
        }
        guard !url.contains("\0") else {
            throw StoreError(.configuration, "the database URL contains a NUL character")
        }
        guard let colon = url.firstIndex(of: ":"), isScheme(url[..<colon]) else {
            throw StoreError(.configuration, "the database URL must start with sqlite: or postgres://")
        }

        let scheme = url[..<colon].lowercased()
        let rest = url[url.index(after: colon)...]
        switch scheme {
        case "sqlite":
            return .sqlite(path: try sqlitePath(rest))
        case "postgres", "postgresql":
            guard rest.hasPrefix("//"), rest.count > 2 else {
                throw StoreError(.configuration, "a PostgreSQL database URL must look like postgres://host/database")
            }
            return .postgres(url: url)
        default:
            // Not even the scheme is repeated: a value pasted without one starts with a secret.
            throw StoreError(.configuration, "the database URL scheme is not supported (use sqlite: or postgres://)")
        }
    }

    /// The SQLite path after `sqlite:`.
    private static func sqlitePath(_ rest: Substring) throws -> String {
        var path = rest
        if path.hasPrefix("//") {
            // `sqlite:///abs` has an empty authority; any host would be a misunderstanding.
            path = path.dropFirst(2)
            guard path.hasPrefix("/") else {
                throw StoreError(
                    .configuration,
                    "an SQLite database URL cannot name a host; use sqlite:///absolute/path"
                )
            }
        }
        guard !path.isEmpty else {
            throw StoreError(.configuration, "the SQLite database URL has no file path")
        }
        guard !path.hasPrefix(":") else {
            throw StoreError(.configuration, "in-memory SQLite databases are not supported")
        }
        guard !path.contains("?"), !path.contains("#") else {
            throw StoreError(.configuration, "the SQLite database URL cannot carry query or fragment parts")
        }
        return String(path)
    }

    /// RFC 3986: a letter, then letters, digits, `+`, `-` or `.`.
    private static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCIILetter else {
            return false
        }
        return text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCIILetter || ("0"..."9").contains(scalar) || "+-.".unicodeScalars.contains(scalar)
        }
    }
}

extension StoreLocation: CustomStringConvertible {
    /// Safe to log: the password of a PostgreSQL URL is replaced by `***`.
    public var description: String {
        switch self {
        case .sqlite(let path):
            return "sqlite:\(path)"
        case .postgres(let url):
            return Self.redactingPassword(url)
        }
    }

    /// Replaces the password in `scheme://user:password@host/...` and in a `password=` or
    /// `sslpassword=` query parameter with `***`.
    ///
    /// Everything from the first colon to the last `@` counts as the password, so that one with an
    /// unescaped `/`, `?` or `#` (a broken URL, but still printed by `config check`) is hidden too;
    /// an `@` further on only hides more.
    static func redactingPassword(_ url: String) -> String {
        guard let slashes = url.range(of: "://") else {
            return url
        }
        var redacted = url
        let rest = url[slashes.upperBound...]
        if let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
            redacted = String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
        }
        guard let query = redacted.firstIndex(of: "?") else {
            return redacted
        }
        let parameters = redacted[redacted.index(after: query)...].split(
            separator: "&",
            omittingEmptySubsequences: false
        )
        let safe = parameters.map { parameter in
            let name = parameter.prefix { $0 != "=" }.lowercased()
            return name.hasSuffix("password") && parameter.contains("=") ? "\(name)=***" : String(parameter)
        }
        return String(redacted[...query]) + safe.joined(separator: "&")
    }
}

extension Unicode.Scalar {
    /// `A`–`Z` or `a`–`z`.
    fileprivate var isASCIILetter: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self)
    }
}

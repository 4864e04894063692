// Where the Redis broker is (`REDIS_URL`) and how its channels are named, read once at start-up.

/// The settings of multi-instance mode. Present only when `REDIS_URL` is set.
///
/// `description` shows the URL with the password masked, so the value is safe to log.
public struct RedisConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// The default Redis port.
    public static let defaultPort = 6379
    /// The highest database number accepted in the URL's path.
    public static let maxDatabase = 65_535

    /// Host name or IP address (IPv6 without brackets).
    public var host: String
    /// TCP port (6379 unless the URL names one).
    public var port: Int
    /// The ACL user for `AUTH`, when the URL has `user:password@`.
    public var username: String?
    /// The password for `AUTH`; never logged.
    public var password: String?
    /// The database selected for keys (`/db`, default 0). Pub/sub channels ignore it.
    public var database: Int
    /// The first part of every channel and key name (`REDIS_CHANNEL_PREFIX`, default `bridge`).
    /// Pub/sub is shared by every database of a Redis server, so two deployments that share one
    /// server need different prefixes.
    public var channelPrefix = "bridge"

    /// Creates a configuration from parts that are already valid.
    public init(host: String, port: Int, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Reads `REDIS_URL` and `REDIS_CHANNEL_PREFIX`; nil when `REDIS_URL` is not set.
    public static func load(from environment: Environment) throws(ConfigurationError) -> RedisConfiguration? {
        guard let url = environment.string("REDIS_URL") else { return nil }
        var config = try parse(url)
        if let prefix = environment.string("REDIS_CHANNEL_PREFIX") {
            guard PayloadValidator.isValidIdentifier(prefix), prefix.utf8.count <= 64 else {
                throw ConfigurationError("REDIS_CHANNEL_PREFIX", "must be 1–64 characters of [A-Za-z0-9_.:-]")
            }
            config.channelPrefix = prefix
        }
        return config
    }

    /// Parses `redis://[[user]:password@]host[:port][/db]`; errors name `REDIS_URL`, never the value.
    public static func parse(_ url: String) throws(ConfigurationError) -> RedisConfiguration {
        let shape = "must be redis://[[user]:password@]host[:port][/db]"
        let lowered = url.lowercased()
        if lowered.hasPrefix("rediss://") {
            throw ConfigurationError("REDIS_URL", "rediss:// (TLS) is not supported by this build; use redis://")
        }
        guard lowered.hasPrefix("redis://") else {
            throw ConfigurationError("REDIS_URL", shape)
        }
        let rest = url.dropFirst("redis://".count)
        guard !rest.contains("?"), !rest.contains("#") else {
            throw ConfigurationError("REDIS_URL", "\(shape), without query or fragment")
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let path = rest[authorityEnd...]

        var hostPort = authority
        var username: String?
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            guard let colon = userInfo.firstIndex(of: ":") else {
                throw ConfigurationError("REDIS_URL", "\(shape); the part before @ needs a colon and a password")
            }
            username = try decoded(userInfo[..<colon])
            password = try decoded(userInfo[userInfo.index(after: colon)...])
            if username?.isEmpty == true { username = nil }
            guard password?.isEmpty == false else {
                throw ConfigurationError("REDIS_URL", "\(shape); the password after the colon is empty")
            }
        }
        let (host, port) = try hostAndPort(hostPort, shape: shape)
        return RedisConfiguration(
            host: host,
            port: port,
            username: username,
            password: password,
            database: try database(path, shape: shape)
        )
    }

    /// The channel that carries the events of `orgID`.
    public func channel(orgID: String) -> String {
        "\(channelPrefix):events:\(orgID)"
    }

    /// The pattern that matches every organisation's channel.
    public var channelPattern: String { "\(channelPrefix):events:*" }

    /// The channel that carries every instance's presence reports (connection counts). It lies
    /// outside `channelPattern`, so event listeners never see it.
    public var presenceChannel: String { "\(channelPrefix):presence" }

    /// The channel that carries room pushes that are not stored events (notifications), so that
    /// a user connected to any instance hears them. Like presence, outside `channelPattern`.
    public var notificationsChannel: String { "\(channelPrefix):notifications" }

    /// The organisation a channel name belongs to, or nil when the name is not one of ours.
    public func orgID(fromChannel channel: String) -> String? {
        let start = "\(channelPrefix):events:"
        guard channel.hasPrefix(start) else { return nil }
        let orgID = String(channel.dropFirst(start.count))
        return PayloadValidator.isValidIdentifier(orgID) ? orgID : nil
    }

    /// `redis://[user:***@]host:port/db`, with the password masked and the user %-escaped as in
    /// a URL: decoded, a newline in it would split a log or `config check` line.
    public var description: String {
        let credentials = password == nil ? "" : "\(Self.escaped(username ?? "")):***@"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "redis://\(credentials)\(shownHost):\(port)/\(database)"
    }

    private static func hostAndPort(
        _ text: Substring,
        shape: String
    ) throws(ConfigurationError) -> (String, Int) {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ConfigurationError("REDIS_URL", "\(shape); an IPv6 address needs its closing ]")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw ConfigurationError("REDIS_URL", shape) }
                portText = after.dropFirst()
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw ConfigurationError("REDIS_URL", "\(shape); the IPv6 address is not valid")
            }
        } else {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else {
                throw ConfigurationError("REDIS_URL", "\(shape); write an IPv6 host in brackets")
            }
            host = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
            guard isHostName(host) else {
                throw ConfigurationError("REDIS_URL", "\(shape); the host is missing or not a valid name")
            }
        }
        guard let portText else { return (String(host), defaultPort) }
        guard portText.allSatisfy(\.isASCIIDigit), portText.count <= 5, let port = Int(portText),
            (1...65_535).contains(port)
        else {
            throw ConfigurationError("REDIS_URL", "\(shape); the port must be 1–65535")
        }
        return (String(host), port)
    }

    private static func isHostName(_ host: Substring) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 253 else { return false }
        return host.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"):
                true
            default:
                false
            }
        }
    }

    private static func database(_ path: Substring, shape: String) throws(ConfigurationError) -> Int {
        let digits = path.dropFirst()
        guard !digits.isEmpty else { return 0 }
        guard digits.allSatisfy(\.isASCIIDigit), digits.count <= 5, let number = Int(digits),
            number <= maxDatabase
        else {
            throw ConfigurationError("REDIS_URL", "\(shape); the database after / must be 0–\(maxDatabase)")
        }
        return number
    }

    /// Undoes percent-encoding in the user-info part; refuses broken escapes and non-UTF-8.
    private static func decoded(_ text: Substring) throws(ConfigurationError) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw ConfigurationError("REDIS_URL", "the user or password has a broken %-escape")
            }
            bytes.append(high << 4 | low)
        }
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw ConfigurationError("REDIS_URL", "the user or password is not UTF-8 once %-escapes are undone")
        }
        return string
    }

    /// `text` with every byte outside RFC 3986's unreserved characters %-escaped.
    private static func escaped(_ text: String) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension Character {
    /// True for the ASCII digits 0–9 only (not other Unicode digits).
    fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }
}

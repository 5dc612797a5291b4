/// Where a Redis server is: `redis://[USER@]HOST[:PORT][/DB]`. A password never comes from the
/// URL (argv and sync files are not for secrets): it comes from REDISCLI_AUTH, redis-cli's own
/// variable.
public struct RedisEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var database: Int
    public var user: String?

    /// The URL as it may be printed.
    public var display: String {
        "redis://\(user.map { $0 + "@" } ?? "")\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
    }

    public init(url: String) throws(RedisError) {
        guard url.hasPrefix("redis://") else {
            if url.hasPrefix("rediss://") {
                throw RedisError(
                    message: "rediss:// (TLS) is not supported; reach Redis over a private network or a TLS tunnel")
            }
            throw RedisError(message: "a budget URL must start with redis://, got '\(url.prefix(40))'")
        }
        var rest = Substring(url.dropFirst("redis://".count))
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        if let at = rest.lastIndex(of: "@") {
            let info = rest[..<at]
            if info.contains(":") {
                throw RedisError(
                    message: "the budget URL holds a password; set REDISCLI_AUTH instead (the URL is not shown)")
            }
            user = info.isEmpty ? nil : String(info)
            rest = rest[rest.index(after: at)...]
        }
        port = 6379
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw Self.invalid(url) }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            if rest.hasPrefix(":") { port = try Self.number(rest.dropFirst(), url, max: 65535) }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            port = try Self.number(rest[rest.index(after: colon)...], url, max: 65535)
        } else {
            host = String(rest)
        }
        guard !host.isEmpty else { throw Self.invalid(url) }
        database = path.isEmpty ? 0 : try Self.number(path, url, max: 1 << 20)
    }

    private static func number(_ text: Substring, _ url: String, max: Int) throws(RedisError) -> Int {
        guard let n = Int(text), n >= 0, n <= max else { throw invalid(url) }
        return n
    }

    private static func invalid(_ url: String) -> RedisError {
        RedisError(message: "'\(url.prefix(80))' is not a redis://HOST[:PORT][/DB] URL")
    }
}

import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

/// What libpq itself reads out of a connection string (a URI or `key=value` pairs), so checks on
/// a source ask the parser that will connect with it instead of matching patterns.
public enum PostgresConninfo {
    public struct Option: Equatable, Sendable {
        public let keyword: String
        public let value: String
    }

    /// The options `conninfo` sets, as libpq decodes them (percent-escapes, quoting, `\` in
    /// values); nil and libpq's reason when it cannot be parsed.
    public static func options(_ conninfo: String) -> (options: [Option]?, error: String?) {
        var message: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(conninfo, &message) else {
            let reason = message.map { String(cString: $0) } ?? "out of memory"
            if let message { PQfreemem(message) }
            return (nil, reason.trimmingCharacters(in: " \n"))
        }
        defer { PQconninfoFree(parsed) }
        var found: [Option] = []
        var i = 0
        while let keyword = parsed[i].keyword {
            if let value = parsed[i].val {
                found.append(Option(keyword: String(cString: keyword), value: String(cString: value)))
            }
            i += 1
        }
        return (found, nil)
    }

    /// libpq's options whose value is itself a secret (files that hold one, like `passfile` or
    /// `sslkey`, are paths and allowed).
    public static let secretKeywords: Set<String> = ["password", "sslpassword"]
}

import SyncCore

/// Where rows come from, parsed from `--source` / `WH_SOURCE`.
public enum WarehouseSource: Equatable, Sendable {
    /// PostgreSQL or Redshift through libpq; `conninfo` is a URI libpq accepts.
    case postgres(conninfo: String, redshift: Bool)
    /// Any ODBC driver through unixODBC, DSN-less or `DSN=name`.
    case odbc(connectionString: String)
    /// The embedded default: a SQLite file through the SQLite3 ODBC driver.
    case sqlite(path: String)
    /// BigQuery's REST API (jobs.query, jobs.getQueryResults).
    case bigquery(BigQueryLocation)
    /// Snowflake's SQL API v2.
    case snowflake(SnowflakeLocation)
    /// Databricks' SQL Statement Execution API.
    case databricks(DatabricksLocation)

    public static func parse(_ text: String) throws(SourceError) -> WarehouseSource {
        let lower = text.lowercased()
        if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") {
            return .postgres(conninfo: text, redshift: false)
        }
        if PostgresKeywordString.looksLikeOne(text) { return .postgres(conninfo: text, redshift: false) }
        if lower.hasPrefix("redshift://") {
            return .postgres(conninfo: RedshiftURL.conninfo(fromRedshiftURL: text), redshift: true)
        }
        if lower.hasPrefix("odbc:") {
            let connection = String(text.dropFirst(5))
            guard !connection.isEmpty else {
                throw .emptyAfterScheme(scheme: "odbc", example: "a connection string, e.g. odbc:DSN=name")
            }
            return .odbc(connectionString: connection)
        }
        if lower.hasPrefix("sqlite:") {
            var path = String(text.dropFirst(7))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else {
                throw .emptyAfterScheme(scheme: "sqlite", example: "a file path, e.g. sqlite:warehouse.db")
            }
            return .sqlite(path: path)
        }
        if lower.hasPrefix("bigquery://") { return .bigquery(try CloudSourceURL.bigQuery(text)) }
        if lower.hasPrefix("snowflake://") { return .snowflake(try CloudSourceURL.snowflake(text)) }
        if lower.hasPrefix("databricks://") { return .databricks(try CloudSourceURL.databricks(text)) }
        let scheme = text.split(separator: ":", maxSplits: 1).first.map(String.init) ?? text
        throw .unsupportedScheme(scheme)
    }
}

/// `redshift://` is the PostgreSQL wire protocol with Redshift's defaults: port 5439 and TLS.
enum RedshiftURL {
    static func conninfo(fromRedshiftURL text: String) -> String {
        var url = "postgresql://" + text.dropFirst("redshift://".count)
        let authorityEnd =
            url.dropFirst("postgresql://".count).firstIndex(where: { $0 == "/" || $0 == "?" }) ?? url.endIndex
        let authority = url[url.index(url.startIndex, offsetBy: "postgresql://".count)..<authorityEnd]
        let hostPart = authority.split(separator: "@").last.map(String.init) ?? ""
        if !hostPart.hasSuffix("]") && !hostPart.contains(":") {
            url.insert(contentsOf: ":5439", at: authorityEnd)
        }
        if !url.lowercased().contains("sslmode=") {
            url += url.contains("?") ? "&sslmode=require" : "?sslmode=require"
        }
        return url
    }
}

enum URLUserInfo {
    static func percentDecoded(_ s: String) -> String {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%"), it.count >= 2,
                let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// `KEY=value;KEY={va;lue}` ODBC connection strings.
public enum ODBCConnectionString {
    public static func pairs(_ s: String) -> [(key: String, value: String)] {
        var result: [(String, String)] = []
        var rest = s[...]
        while !rest.isEmpty {
            guard let eq = rest.firstIndex(of: "=") else { break }
            let key = rest[..<eq].trimmingCharacters(in: " ")
            rest = rest[rest.index(after: eq)...]
            var value: Substring
            if rest.first == "{" {
                // Inside braces "}}" is one "}" (ODBC's quoting); a lone "}" ends the value.
                var text = ""
                var i = rest.index(after: rest.startIndex)
                while i < rest.endIndex {
                    let c = rest[i]
                    let next = rest.index(after: i)
                    if c == "}" {
                        if next < rest.endIndex && rest[next] == "}" {
                            text.append("}")
                            i = rest.index(after: next)
                            continue
                        }
                        i = next
                        break
                    }
                    text.append(c)
                    i = next
                }
                value = Substring(text)
                rest = rest[i...]
                if rest.first == ";" { rest = rest.dropFirst() }
            } else {
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                value = rest[..<end]
                rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
            }
            result.append((key, String(value)))
        }
        return result
    }

    /// VALUE as an attribute value: in braces, with "}" doubled, so ';', '=', '{' and '}' in a
    /// password or a path cannot end it or start another attribute.
    public static func quoted(_ value: String) -> String {
        "{" + value.split(separator: "}", omittingEmptySubsequences: false).joined(separator: "}}") + "}"
    }

    public static func value(of key: String, in s: String) -> String? {
        pairs(s).last { $0.key.caseInsensitiveEquals(key) }?.value
    }

    /// Whether an attribute of that name holds a secret in some driver: `PWD`, `Password`,
    /// Snowflake's `PRIV_KEY_FILE_PWD`, Databricks' `Auth_AccessToken` and `Auth_Client_Secret`, …
    /// Names of files and folders (`PRIV_KEY_FILE`, `TokenFile`) are paths, not secrets.
    public static func isSecretKey(_ key: String) -> Bool {
        let name = String(key.lowercased().filter { $0.isLetter || $0.isNumber })
        if name == "pass" || ["pwd", "password", "passwd", "passphrase"].contains(where: { name.contains($0) }) {
            return true
        }
        let isPath = name.hasSuffix("file") || name.hasSuffix("path") || name.hasSuffix("dir")
        return !isPath && ["secret", "token", "privatekey", "privkey", "apikey"].contains(where: { name.contains($0) })
    }
}

/// libpq's `key=value` connection strings (`host=db dbname=dw`, `service=warehouse`): a text
/// that starts with a keyword and `=` is one; libpq itself judges the rest.
enum PostgresKeywordString {
    static func looksLikeOne(_ text: String) -> Bool {
        let head = text.drop { $0 == " " || $0 == "\t" }
        guard let equals = head.firstIndex(of: "=") else { return false }
        let keyword = head[..<equals].trimmingCharacters(in: " \t")
        return !keyword.isEmpty && keyword.allSatisfy { ($0 >= "a" && $0 <= "z") || $0 == "_" }
    }
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool { lowercased() == other.lowercased() }
}

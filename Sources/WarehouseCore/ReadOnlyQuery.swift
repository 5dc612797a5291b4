/// For warehouses that cannot be asked for a read-only session over their HTTP APIs (BigQuery,
/// Snowflake, Databricks): a sync query must be one statement that starts with SELECT or WITH
/// (or VALUES) and names no statement that writes, runs procedures or changes the session.
/// The check lexes the SQL (strings, quoted identifiers and comments are skipped, so a keyword
/// inside them does not count). It is a safety net; a read-only role is the real protection.
public enum ReadOnlyQuery {
    public struct Dialect: Sendable {
        let name: String
        /// `#` starts a comment (BigQuery).
        let hashComments: Bool
        /// `//` starts a comment (Snowflake).
        let slashComments: Bool
        /// `$$…$$` is a string (Snowflake).
        let dollarStrings: Bool
        /// `'''…'''` and `"""…"""` are strings (BigQuery).
        let tripleQuotes: Bool

        public static let bigquery = Dialect(
            name: "BigQuery", hashComments: true, slashComments: false, dollarStrings: false, tripleQuotes: true)
        public static let snowflake = Dialect(
            name: "Snowflake", hashComments: false, slashComments: true, dollarStrings: true, tripleQuotes: false)
        public static let databricks = Dialect(
            name: "Databricks", hashComments: false, slashComments: false, dollarStrings: false, tripleQuotes: false)
    }

    /// Words that begin statements that write, run code or change the session; they cannot
    /// appear unquoted in a SELECT of these dialects.
    static let refused: Set<String> = [
        "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "CREATE", "DROP", "ALTER", "TRUNCATE", "RENAME", "UNDROP",
        "GRANT", "REVOKE", "COPY", "PUT", "REMOVE", "CALL", "EXECUTE", "EXEC", "DECLARE", "BEGIN", "COMMIT", "ROLLBACK",
        "USE", "SET", "UNSET", "EXPORT", "LOAD", "OPTIMIZE", "VACUUM", "REFRESH", "MSCK", "CACHE", "UNCACHE", "RESTORE",
    ]
    static let starts: Set<String> = ["SELECT", "WITH", "VALUES"]

    public static func check(_ sql: String, dialect: Dialect) throws(ExtractError) {
        var words: [(word: String, statement: Int)] = []
        var statement = 0
        var statementHasTokens = false
        let bytes = Array(sql.utf8)
        var i = 0
        func refuse(_ why: String) -> ExtractError {
            .notReadOnly("\(why); a sync query must be one SELECT (or WITH … SELECT) for \(dialect.name)")
        }
        func skipQuoted(_ quote: UInt8, backslash: Bool) throws(ExtractError) {
            i += 1
            while i < bytes.count {
                if backslash && bytes[i] == UInt8(ascii: "\\") {
                    i += 2
                    continue
                }
                if bytes[i] == quote {
                    if i + 1 < bytes.count && bytes[i + 1] == quote {
                        i += 2
                        continue
                    }
                    i += 1
                    return
                }
                i += 1
            }
            throw refuse("a quote (\(Character(UnicodeScalar(quote)))) is never closed")
        }
        func skip(until end: [UInt8]) throws(ExtractError) {
            while i < bytes.count {
                if bytes[i] == end[0] && i + end.count <= bytes.count && Array(bytes[i..<i + end.count]) == end {
                    i += end.count
                    return
                }
                i += 1
            }
            throw refuse("'\(String(decoding: end, as: UTF8.self))' is never closed")
        }
        func at(_ text: String) -> Bool {
            let t = Array(text.utf8)
            return i + t.count <= bytes.count && Array(bytes[i..<i + t.count]) == t
        }
        while i < bytes.count {
            let c = bytes[i]
            if at("--") || (dialect.slashComments && at("//")) || (dialect.hashComments && c == UInt8(ascii: "#")) {
                while i < bytes.count && bytes[i] != UInt8(ascii: "\n") { i += 1 }
            } else if at("/*") {
                i += 2
                try skip(until: Array("*/".utf8))
            } else if dialect.tripleQuotes && (at("'''") || at("\"\"\"")) {
                let q = Array(bytes[i..<i + 3])
                i += 3
                try skip(until: q)
                statementHasTokens = true
            } else if dialect.dollarStrings && at("$$") {
                i += 2
                try skip(until: Array("$$".utf8))
                statementHasTokens = true
            } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                try skipQuoted(c, backslash: true)
                statementHasTokens = true
            } else if c == UInt8(ascii: "`") {
                try skipQuoted(c, backslash: false)
                statementHasTokens = true
            } else if c == UInt8(ascii: ";") {
                if statementHasTokens { statement += 1 }
                statementHasTokens = false
                i += 1
            } else if isWordStart(c) {
                let start = i
                while i < bytes.count && isWordByte(bytes[i]) { i += 1 }
                words.append((String(decoding: bytes[start..<i], as: UTF8.self).uppercased(), statement))
                statementHasTokens = true
            } else {
                if c > 0x20 { statementHasTokens = true }
                i += 1
            }
        }
        let statements = statement + (statementHasTokens ? 1 : 0)
        guard statements <= 1 else { throw refuse("it holds \(statements) statements") }
        guard let first = words.first?.word else { throw refuse("it holds no statement") }
        guard starts.contains(first) else { throw refuse("it starts with \(first)") }
        if let word = words.first(where: { refused.contains($0.word) })?.word {
            throw refuse("it contains \(word) (quote an identifier of that name)")
        }
    }

    private static func isWordStart(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || c == UInt8(ascii: "_")
    }

    private static func isWordByte(_ c: UInt8) -> Bool {
        isWordStart(c) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "$") || c >= 0x80
    }
}

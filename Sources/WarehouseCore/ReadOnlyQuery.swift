/// A sync query must be one statement that starts with SELECT, WITH, VALUES (or, on PostgreSQL
/// and Redshift, TABLE) and names no statement that writes, runs procedures or changes the
/// session. The check lexes the SQL (strings, quoted identifiers and comments are skipped, so a
/// keyword inside them does not count) before the query reaches the warehouse. It is a safety
/// net in front of the real ones: a read-only role, and on PostgreSQL a read-only transaction.
public enum ReadOnlyQuery {
    public struct Dialect: Sendable {
        var name: String
        /// `#` starts a comment (BigQuery).
        var hashComments = false
        /// `//` starts a comment (Snowflake).
        var slashComments = false
        /// `$$…$$` is a string (Snowflake, PostgreSQL).
        var dollarStrings = false
        /// `$tag$…$tag$` is a string too (PostgreSQL).
        var dollarTags = false
        /// `'''…'''` and `"""…"""` are strings (BigQuery).
        var tripleQuotes = false
        /// `/* /* */ */` nests (PostgreSQL).
        var nestedComments = false
        /// `E'…'` strings take backslash escapes (PostgreSQL).
        var escapeStrings = false
        /// A backslash in a '…' string: true escapes, false does not, nil depends on the
        /// server's setting (standard_conforming_strings), so both readings must pass.
        var backslashInStrings: Bool? = true
        var backslashInIdentifiers = true
        var starts: Set<String> = ["SELECT", "WITH", "VALUES"]
        /// Words that write in this dialect beyond the common ones.
        var refusedHere: Set<String> = []

        public static let bigquery = Dialect(name: "BigQuery", hashComments: true, tripleQuotes: true)
        public static let snowflake = Dialect(name: "Snowflake", slashComments: true, dollarStrings: true)
        public static let databricks = Dialect(name: "Databricks")
        public static let postgresql = Dialect(
            name: "PostgreSQL", dollarStrings: true, dollarTags: true, nestedComments: true, escapeStrings: true,
            backslashInStrings: nil, backslashInIdentifiers: false, starts: ["SELECT", "WITH", "VALUES", "TABLE"],
            // SELECT … INTO creates a table; these functions write server files or other databases.
            refusedHere: ["INTO", "LO_EXPORT", "LO_IMPORT", "LO_UNLINK", "DBLINK_EXEC", "PG_FILE_WRITE"])
        public static let redshift: Dialect = {
            var dialect = postgresql
            dialect.name = "Redshift"
            return dialect
        }()
    }

    /// A quote or comment that never closes.
    struct Unclosed: Error {
        let what: String
    }

    /// Words that begin statements that write, run code or change the session; they cannot
    /// appear unquoted in a SELECT of these dialects.
    static let refused: Set<String> = [
        "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "CREATE", "DROP", "ALTER", "TRUNCATE", "RENAME", "UNDROP",
        "GRANT", "REVOKE", "COPY", "PUT", "REMOVE", "CALL", "EXECUTE", "EXEC", "DECLARE", "BEGIN", "COMMIT", "ROLLBACK",
        "USE", "SET", "UNSET", "EXPORT", "LOAD", "OPTIMIZE", "VACUUM", "REFRESH", "MSCK", "CACHE", "UNCACHE", "RESTORE",
    ]

    public static func check(_ sql: String, dialect: Dialect) throws(ExtractError) {
        let readings = dialect.backslashInStrings.map { [$0] } ?? [false, true]
        for backslash in readings {
            var lexer = SQLLexer(sql, dialect: dialect, backslashInStrings: backslash)
            do throws(Unclosed) { try lexer.run() } catch {
                throw refusal("\(error.what) is never closed", dialect)
            }
            try judge(lexer, dialect)
        }
    }

    private static func judge(_ lexer: SQLLexer, _ dialect: Dialect) throws(ExtractError) {
        guard lexer.statements <= 1 else { throw refusal("it holds \(lexer.statements) statements", dialect) }
        guard let first = lexer.words.first else { throw refusal("it holds no statement", dialect) }
        guard dialect.starts.contains(first) else { throw refusal("it starts with \(first)", dialect) }
        if let word = lexer.words.first(where: { refused.contains($0) || dialect.refusedHere.contains($0) }) {
            throw refusal("it contains \(word) (quote an identifier of that name)", dialect)
        }
    }

    private static func refusal(_ why: String, _ dialect: Dialect) -> ExtractError {
        let starts = dialect.starts.contains("TABLE") ? "SELECT, WITH, VALUES or TABLE" : "SELECT (or WITH … SELECT)"
        return .notReadOnly("\(why); a sync query must be one \(starts) for \(dialect.name)")
    }
}

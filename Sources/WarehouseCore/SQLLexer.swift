/// Splits SQL into its unquoted words and counts its statements, skipping strings, quoted
/// identifiers and comments as the dialect writes them, so a keyword inside them never counts.
struct SQLLexer {
    let dialect: ReadOnlyQuery.Dialect
    /// Whether a backslash escapes the next character in a plain '…' string (PostgreSQL decides
    /// by a server setting, so its check reads the query both ways).
    let backslashInStrings: Bool
    private let bytes: [UInt8]
    private var i = 0
    private(set) var words: [String] = []
    private var statement = 0
    private var statementHasTokens = false

    init(_ sql: String, dialect: ReadOnlyQuery.Dialect, backslashInStrings: Bool) {
        self.dialect = dialect
        self.backslashInStrings = backslashInStrings
        bytes = Array(sql.utf8)
    }

    var statements: Int { statement + (statementHasTokens ? 1 : 0) }

    /// Reads the whole text; throws what is never closed (a quote, a comment).
    mutating func run() throws(ReadOnlyQuery.Unclosed) {
        while i < bytes.count {
            let c = bytes[i]
            if at("--") || (dialect.slashComments && at("//")) || (dialect.hashComments && c == UInt8(ascii: "#")) {
                while i < bytes.count && bytes[i] != UInt8(ascii: "\n") { i += 1 }
            } else if at("/*") {
                try skipBlockComment()
            } else if dialect.tripleQuotes && (at("'''") || at("\"\"\"")) {
                let q = Array(bytes[i..<i + 3])
                i += 3
                try skip(until: q)
                statementHasTokens = true
            } else if let tag = dollarTag() {
                i += tag.count
                try skip(until: tag)
                statementHasTokens = true
            } else if c == UInt8(ascii: "'") {
                try skipQuoted(c, backslash: backslashInStrings)
                statementHasTokens = true
            } else if c == UInt8(ascii: "\"") {
                try skipQuoted(c, backslash: dialect.backslashInIdentifiers)
                statementHasTokens = true
            } else if c == UInt8(ascii: "`") {
                try skipQuoted(c, backslash: false)
                statementHasTokens = true
            } else if c == UInt8(ascii: ";") {
                if statementHasTokens { statement += 1 }
                statementHasTokens = false
                i += 1
            } else if Self.isWordStart(c) {
                try readWord()
            } else {
                if c > 0x20 { statementHasTokens = true }
                i += 1
            }
        }
    }

    private mutating func readWord() throws(ReadOnlyQuery.Unclosed) {
        let start = i
        while i < bytes.count && Self.isWordByte(bytes[i]) { i += 1 }
        let word = String(decoding: bytes[start..<i], as: UTF8.self).uppercased()
        statementHasTokens = true
        // E'…' (PostgreSQL): backslash escapes whatever the server's setting.
        if dialect.escapeStrings && word == "E" && i < bytes.count && bytes[i] == UInt8(ascii: "'") {
            try skipQuoted(UInt8(ascii: "'"), backslash: true)
            return
        }
        words.append(word)
    }

    private mutating func skipQuoted(_ quote: UInt8, backslash: Bool) throws(ReadOnlyQuery.Unclosed) {
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
        throw ReadOnlyQuery.Unclosed(what: "a quote (\(Character(UnicodeScalar(quote))))")
    }

    /// `/* … */`; PostgreSQL nests them, so `/* /* */` is still open.
    private mutating func skipBlockComment() throws(ReadOnlyQuery.Unclosed) {
        i += 2
        var depth = 1
        while i < bytes.count {
            if at("*/") {
                depth -= 1
                i += 2
                if depth == 0 { return }
            } else if dialect.nestedComments && at("/*") {
                depth += 1
                i += 2
            } else {
                i += 1
            }
        }
        throw ReadOnlyQuery.Unclosed(what: "'/*'")
    }

    private mutating func skip(until end: [UInt8]) throws(ReadOnlyQuery.Unclosed) {
        while i < bytes.count {
            if bytes[i] == end[0] && i + end.count <= bytes.count && Array(bytes[i..<i + end.count]) == end {
                i += end.count
                return
            }
            i += 1
        }
        throw ReadOnlyQuery.Unclosed(what: "'\(String(decoding: end, as: UTF8.self))'")
    }

    /// At a dollar quote's opening: `$$` (Snowflake, PostgreSQL) or `$tag$` (PostgreSQL); `$1`
    /// is a parameter, not a quote.
    private func dollarTag() -> [UInt8]? {
        guard dialect.dollarStrings, bytes[i] == UInt8(ascii: "$") else { return nil }
        var j = i + 1
        if dialect.dollarTags, j < bytes.count, Self.isWordStart(bytes[j]) {
            while j < bytes.count && (Self.isWordStart(bytes[j]) || (bytes[j] >= 0x30 && bytes[j] <= 0x39)) { j += 1 }
        }
        guard j < bytes.count, bytes[j] == UInt8(ascii: "$") else { return nil }
        return Array(bytes[i...j])
    }

    private func at(_ text: StaticString) -> Bool {
        text.withUTF8Buffer { t in
            i + t.count <= bytes.count && (0..<t.count).allSatisfy { bytes[i + $0] == t[$0] }
        }
    }

    static func isWordStart(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || c == UInt8(ascii: "_")
    }

    static func isWordByte(_ c: UInt8) -> Bool {
        isWordStart(c) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "$") || c >= 0x80
    }
}

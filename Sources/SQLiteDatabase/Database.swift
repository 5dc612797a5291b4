import CSQLite3

/// One SQLite connection. Used by one thread at a time.
public final class Database {
    let handle: OpaquePointer
    public let path: String
    /// Keyed by the SQL literal's address: hashing the text itself cost more than some queries.
    private var statementCache: [UnsafeRawPointer: Statement] = [:]

    /// Opens (creating if needed) the database at `path` with settings for a local state file:
    /// WAL journal, synchronous NORMAL (durable at checkpoints, consistent always). The page
    /// cache holds `cacheMiB`: what a caller's working set of index pages needs. Without
    /// `surviveOSCrash` nothing waits for the disk (synchronous OFF: a crash of the process still
    /// loses nothing committed, a crash of the machine may), and the journal is folded back into
    /// the file every 64 MB instead of every 4 MB.
    public init(path: String, readOnly: Bool = false, cacheMiB: Int = 8, surviveOSCrash: Bool = true)
        throws(SQLiteError)
    {
        _ = Self.configured
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let detail = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, context: "cannot open '\(path)'", detail: detail)
        }
        handle = db
        self.path = path
        sqlite3_busy_timeout(db, 10_000)
        if !readOnly {
            try execute("PRAGMA journal_mode = WAL")
            try execute(surviveOSCrash ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = OFF")
            if !surviveOSCrash {
                try execute("PRAGMA wal_autocheckpoint = 16384")
                try execute("PRAGMA journal_size_limit = 67108864")
            }
        }
        try execute("PRAGMA cache_size = -\(cacheMiB * 1024)")
    }

    /// Process-wide settings, applied once before the first connection opens.
    private static let configured: Bool = cvsqlite_disable_memory_statistics() == SQLITE_OK

    deinit { sqlite3_close_v2(handle) }

    public func execute(_ sql: String) throws(SQLiteError) {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        guard rc == SQLITE_OK else {
            let detail = error.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(error)
            throw SQLiteError(code: rc, context: "executing \(sql.prefix(60))", detail: detail)
        }
    }

    /// Statements prepared once per connection and reused (reset, bindings cleared): for SQL a
    /// hot path runs again and again. A cached statement must be used up before the same SQL is
    /// asked for again. The SQL is a literal, so the same text always comes from one address.
    public func cached(_ sql: StaticString) throws(SQLiteError) -> Statement {
        precondition(sql.hasPointerRepresentation, "cached SQL must be a string literal")
        let key = UnsafeRawPointer(sql.utf8Start)
        if let statement = statementCache[key] {
            statement.reset()
            return statement
        }
        let statement = try prepare(sql.description)
        statementCache[key] = statement
        return statement
    }

    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw SQLiteError(
                code: rc, context: "preparing \(sql.prefix(60))", detail: String(cString: sqlite3_errmsg(handle)))
        }
        return Statement(statement, database: self)
    }

    /// Runs `body` in one IMMEDIATE transaction: all of it is applied, or none.
    /// (Its three statements are prepared once, like every statement on a hot path: the
    /// emulator's store commits a thousand times a second.)
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try cached("BEGIN IMMEDIATE").step()
        do {
            let result = try body()
            try cached("COMMIT").step()
            return result
        } catch {
            _ = try? cached("ROLLBACK").step()
            throw error
        }
    }

    /// Overwrites a blob with `words`, in place and a megabyte at a time, so a large one (the
    /// dedupe state's filter) never sits in memory twice: the row must hold a blob of exactly
    /// their size already (`zeroblob(n)`).
    public func writeBlob(table: String, column: String, row: Int64, from words: [UInt64]) throws(SQLiteError) {
        try withBlob(table: table, column: column, row: row, writable: true) { blob throws(SQLiteError) in
            let rc: Int32 = words.withUnsafeBytes { raw in
                var rc = SQLITE_OK
                var offset = 0
                while rc == SQLITE_OK && offset < raw.count {
                    let n = min(1 << 20, raw.count - offset)
                    rc = sqlite3_blob_write(blob, raw.baseAddress! + offset, Int32(n), Int32(offset))
                    offset += n
                }
                return rc
            }
            guard rc == SQLITE_OK else {
                throw SQLiteError(code: rc, context: "writing \(table).\(column)", detail: lastMessage)
            }
        }
    }

    /// Reads a blob into `words` (sized by the caller to the blob's length).
    public func readBlob(table: String, column: String, row: Int64, into words: inout [UInt64]) throws(SQLiteError) {
        try withBlob(table: table, column: column, row: row, writable: false) { blob throws(SQLiteError) in
            let rc = words.withUnsafeMutableBytes { sqlite3_blob_read(blob, $0.baseAddress, Int32($0.count), 0) }
            guard rc == SQLITE_OK else {
                throw SQLiteError(code: rc, context: "reading \(table).\(column)", detail: lastMessage)
            }
        }
    }

    private func withBlob(
        table: String, column: String, row: Int64, writable: Bool,
        _ body: (OpaquePointer?) throws(SQLiteError) -> Void
    ) throws(SQLiteError) {
        var blob: OpaquePointer?
        let rc = sqlite3_blob_open(handle, "main", table, column, row, writable ? 1 : 0, &blob)
        defer { sqlite3_blob_close(blob) }
        guard rc == SQLITE_OK else {
            throw SQLiteError(
                code: rc, context: "\(writable ? "writing" : "reading") \(table).\(column)", detail: lastMessage)
        }
        try body(blob)
    }

    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    public var changes: Int { Int(sqlite3_changes(handle)) }
}

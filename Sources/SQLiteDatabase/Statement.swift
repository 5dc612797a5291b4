import CSQLite3

/// A prepared statement; bind, step, read columns, reset, reuse.
public final class Statement {
    let handle: OpaquePointer
    unowned let database: Database

    init(_ handle: OpaquePointer, database: Database) {
        self.handle = handle
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    public func bind(_ index: Int32, blob: UnsafeRawBufferPointer) {
        sqlite3_bind_blob(handle, index, blob.baseAddress, Int32(blob.count), cvsqlite_transient())
    }

    /// Binds 16 bytes, the two words big-endian, without allocating.
    public func bind(_ index: Int32, hi: UInt64, lo: UInt64) {
        var words = (hi.bigEndian, lo.bigEndian)
        _ = withUnsafeBytes(of: &words) { sqlite3_bind_blob(handle, index, $0.baseAddress, 16, cvsqlite_transient()) }
    }

    public func bind(_ index: Int32, int: Int64) { sqlite3_bind_int64(handle, index, int) }

    /// Binds the string's UTF-8 bytes in place. Passing the `String` itself as a C string made
    /// a heap copy of every short string first: a few percent of the emulator's store work.
    public func bind(_ index: Int32, text: String) {
        var text = text
        _ = text.withUTF8 { sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), cvsqlite_transient()) }
    }

    /// Steps once: true when a row is available, false when done.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw SQLiteError(
            code: rc, context: "running \(String(cString: sqlite3_sql(handle)).prefix(60))",
            detail: database.lastMessage)
    }

    public func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    public func text(_ column: Int32) -> String? {
        sqlite3_column_text(handle, column).map { String(cString: $0) }
    }

    /// Calls `body` with column `column`'s bytes (a text column's UTF-8), read in place (valid
    /// only inside `body`: SQLite reuses the memory at the next step).
    public func withBlob<R>(_ column: Int32, _ body: (Span<UInt8>) -> R) -> R {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let p = sqlite3_column_blob(handle, column) else { return body([UInt8]().span) }
        return body(UnsafeRawBufferPointer(start: p, count: count).bindMemory(to: UInt8.self).span)
    }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
}

import CSQLite3

/// A failed SQLite call, with the library's message and what was being done. What the database
/// is (a sync's state, the emulator's store) is for the module that opened it to say.
public struct SQLiteError: Error, Equatable, CustomStringConvertible {
    public let code: Int32
    public let context: String
    public let detail: String

    public var description: String { "SQLite: \(context): \(detail)" }

    /// The file is not a database or its pages are broken.
    public var isDamaged: Bool { [SQLITE_NOTADB, SQLITE_CORRUPT].contains(code & 0xff) }
    /// The file or its folder cannot be written (or, for a new file, created).
    public var isUnwritable: Bool { [SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM].contains(code & 0xff) }

    public init(code: Int32, context: String, detail: String) {
        self.code = code
        self.context = context
        self.detail = detail
    }
}

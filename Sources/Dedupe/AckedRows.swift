import SQLiteDatabase

/// Writes acknowledged keys into the state's `acked` table, 64 rows per INSERT statement. A
/// commit comes with keys in order, and one statement keeps SQLite's cursor open across its
/// rows, so appending to the B-tree skips the descent from the root that a statement per row
/// pays (and the per-statement overhead of reset and bind), which was most of a commit's time.
struct AckedRows {
    static let batch = 64
    private let database: Database
    private let one: Statement
    private let many: Statement
    private let update: Statement
    private var rows: [PendingLog.Entry] = []
    /// Keys that were not in the table before this commit.
    private(set) var added = 0

    init(_ database: Database) throws(SQLiteError) {
        self.database = database
        let row = "(?, ?, ?)"
        one = try database.prepare("INSERT OR IGNORE INTO acked (key, kind, hash) VALUES \(row)")
        many = try database.prepare(
            "INSERT OR IGNORE INTO acked (key, kind, hash) VALUES "
                + Array(repeating: row, count: Self.batch).joined(separator: ", "))
        update = try database.prepare("UPDATE acked SET kind = ?2, hash = ?3 WHERE key = ?1")
        rows.reserveCapacity(Self.batch)
    }

    /// Records `entry`'s key as acknowledged with its content hash (events: none).
    mutating func add(_ entry: PendingLog.Entry) throws(SQLiteError) {
        rows.append(entry)
        if rows.count == Self.batch { try flush() }
    }

    /// Insert-or-ignore, then an update of the batch's rows if any key was there already (an
    /// update of a row just inserted writes the same values), so new keys are counted without
    /// scanning the table and a key given twice ends with its last entry's values.
    mutating func flush() throws(SQLiteError) {
        guard !rows.isEmpty else { return }
        if rows.count == Self.batch {
            many.reset()
            for (i, entry) in rows.enumerated() { Self.bind(many, entry, from: Int32(3 * i + 1)) }
            try many.step()
            added += database.changes
            if database.changes < rows.count {
                for entry in rows { try write(update, entry) }
            }
        } else {
            for entry in rows {
                try write(one, entry)
                if database.changes > 0 { added += 1 } else { try write(update, entry) }
            }
        }
        rows.removeAll(keepingCapacity: true)
    }

    private func write(_ statement: Statement, _ entry: PendingLog.Entry) throws(SQLiteError) {
        statement.reset()
        Self.bind(statement, entry, from: 1)
        try statement.step()
    }

    private static func bind(_ statement: Statement, _ entry: PendingLog.Entry, from first: Int32) {
        statement.bind(first, hi: entry.key.hi, lo: entry.key.lo)
        statement.bind(first + 1, int: Int64(entry.kind.rawValue))
        if entry.kind == .event {
            statement.bind(first + 2, int: 0)
        } else {
            statement.bind(first + 2, hi: entry.content.hi, lo: entry.content.lo)
        }
    }
}

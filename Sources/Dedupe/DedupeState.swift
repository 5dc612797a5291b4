import Hashing
import SQLiteDatabase
import StreamIO
import SyncCore

/// The persistent, per-sync memory of what Conversion acknowledged: for every key, the hash of
/// the content it accepted (events: just the eventId). Only `commit` writes it.
public final class DedupeState {
    public static let formatVersion = 1
    let database: Database
    public let path: String
    private(set) var bloom: BloomFilter?

    /// Opens or creates the state file; a file of a newer format is refused (exit 2).
    public init(path: String) throws {
        self.path = path
        database = try Self.open(path)
        try database.execute(
            """
            CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS acked (key BLOB PRIMARY KEY, kind INTEGER NOT NULL, hash BLOB) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS runs (run TEXT PRIMARY KEY, committed_at INTEGER NOT NULL, acked INTEGER NOT
              NULL, ignored INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS filter (id INTEGER PRIMARY KEY CHECK (id = 1), bits BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS blocked_filter (id INTEGER PRIMARY KEY CHECK (id = 1), bits BLOB NOT NULL);
            INSERT OR IGNORE INTO meta VALUES ('format_version', '\(Self.formatVersion)');
            """ + RetryQueue.schema)
        let version = try value(of: "format_version").flatMap(Int.init) ?? 0
        guard version <= Self.formatVersion else {
            throw StateError.newerFormat(path: path, version: version, readable: Self.formatVersion)
        }
    }

    /// SQLite would quietly start an empty state over a 0-byte file, and its own messages for a
    /// damaged or unwritable one do not say what that means for the sync: every record sent again.
    static func open(_ path: String, cacheMiB: Int = 8) throws -> Database {
        if FileTree.size(path) == 0 {
            throw StateError.empty(path: path)
        }
        do throws(SQLiteError) {
            let database = try Database(path: path, cacheMiB: cacheMiB)
            _ = try database.prepare("SELECT count(*) FROM sqlite_master").step()
            return database
        } catch {
            throw explained(error, path: path)
        }
    }

    private static func explained(_ error: SQLiteError, path: String) -> any Error {
        if error.isDamaged {
            return StateError.damaged(path: path, detail: error.detail)
        }
        if error.isUnwritable {
            let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            return StateError.notWritable(path: path, folder: folder.isEmpty ? "." : folder, detail: error.detail)
        }
        return StateError.database(error)
    }

    func value(of name: String) throws(SQLiteError) -> String? {
        let s = try database.prepare("SELECT value FROM meta WHERE name = ?")
        s.bind(1, text: name)
        return try s.step() ? s.text(0) : nil
    }

    /// Number of acknowledged keys, by kind.
    public func counts() throws(SQLiteError) -> [RecordKind: Int] {
        let s = try database.prepare("SELECT kind, count(*) FROM acked GROUP BY kind")
        var result: [RecordKind: Int] = [:]
        while try s.step() {
            if let kind = RecordKind(rawValue: UInt8(truncatingIfNeeded: s.int(0))) { result[kind] = Int(s.int(1)) }
        }
        return result
    }

    /// The Bloom filter over every acknowledged key, rebuilt from the table when missing.
    ///
    /// Versions before the blocked layout kept an unblocked filter in `filter`; they neither
    /// read nor update `blocked_filter`. A `filter` row therefore means such a version committed
    /// since this one saved, so the blocked filter may lack keys: it is rebuilt, never trusted.
    func loadBloom() throws(SQLiteError) -> BloomFilter {
        if let bloom { return bloom }
        let older = try database.prepare("SELECT 1 FROM filter WHERE id = 1")
        let s = try database.prepare("SELECT length(bits) FROM blocked_filter WHERE id = 1")
        if try !older.step(), try s.step() {
            let bytes = Int(s.int(0))
            var words = [UInt64](repeating: 0, count: bytes / 8)
            try database.readBlob(table: "blocked_filter", column: "bits", row: 1, into: &words)
            if let loaded = BloomFilter(words: words) {
                bloom = loaded
                return loaded
            }
        }
        let rebuilt = try rebuildBloom()
        bloom = rebuilt
        return rebuilt
    }

    /// Acknowledged keys, from the count `commit` and `forget` keep (no table scan).
    func ackedCount() throws(SQLiteError) -> Int {
        if let stored = try value(of: "acked_count").flatMap(Int.init) { return stored }
        let total = try counts().values.reduce(0, +)
        try setAckedCount(total)
        return total
    }

    func setAckedCount(_ count: Int) throws(SQLiteError) {
        let s = try database.prepare("INSERT OR REPLACE INTO meta (name, value) VALUES ('acked_count', ?)")
        s.bind(1, text: String(count))
        try s.step()
    }

    /// A new filter with room to grow, filled from the table.
    func rebuildBloom(extra: Int = 0) throws(SQLiteError) -> BloomFilter {
        let total = try ackedCount()
        var filter = BloomFilter(capacity: max(1 << 20, (total + extra) * 5 / 4))
        let s = try database.prepare("SELECT key FROM acked")
        while try s.step() {
            if let key = s.withBlob(0, { StableHash128(bigEndian: $0) }) { filter.insert(key) }
        }
        return filter
    }

    func saveBloom(_ filter: BloomFilter) throws(SQLiteError) {
        let s = try database.prepare("INSERT OR REPLACE INTO blocked_filter (id, bits) VALUES (1, zeroblob(?))")
        s.bind(1, int: Int64(filter.words.count * 8))
        try s.step()
        try database.writeBlob(table: "blocked_filter", column: "bits", row: 1, from: filter.words)
        // An older version finds no filter of its own and rebuilds one from the table.
        try database.execute("DELETE FROM filter")
        bloom = filter
    }

    /// A point lookup costs about as much as scanning this many rows (callgrind: a seek is
    /// ~9.3k instructions, a scanned row ~1.2k); each partition takes the cheaper plan.
    static let scanFactor = 8

    /// Stored content hashes for `keys` (sorted), by point lookups or by one range scan of the
    /// keys' partition, whichever reads fewer rows, on `database` (each thread has a connection
    /// of its own: one is not shared). Absent keys are absent from the result.
    static func acknowledged(
        _ keys: [StableHash128], range: (lower: StableHash128, upper: StableHash128?), expectedRows: Int,
        in database: Database
    ) throws(SQLiteError) -> AckedLookup {
        var found = AckedLookup()
        guard !keys.isEmpty else { return found }
        // Relationship keys hash elsewhere than their object: only keys inside the range can be scanned for.
        func contained(_ key: StableHash128) -> Bool { key >= range.lower && (range.upper.map { key < $0 } ?? true) }
        let inside = keys.filter(contained)
        let scan = inside.count * Self.scanFactor >= expectedRows
        let pointKeys = scan ? keys.filter { !contained($0) } : keys
        if !pointKeys.isEmpty {
            let s = try database.prepare("SELECT hash FROM acked WHERE key = ?")
            for key in pointKeys {
                s.reset()
                s.bind(1, hi: key.hi, lo: key.lo)
                if try s.step() {
                    found.append(key, s.withBlob(0, { StableHash128(bigEndian: $0) }) ?? StableHash128(hi: 0, lo: 0))
                }
            }
        }
        if scan {
            // Rows come in key order, as do the candidates: a merge join, no hashing.
            let s = try database.prepare(
                range.upper == nil
                    ? "SELECT key, hash FROM acked WHERE key >= ? ORDER BY key"
                    : "SELECT key, hash FROM acked WHERE key >= ? AND key < ? ORDER BY key")
            s.bind(1, hi: range.lower.hi, lo: range.lower.lo)
            if let upper = range.upper { s.bind(2, hi: upper.hi, lo: upper.lo) }
            var next = 0
            while next < inside.count, try s.step() {
                guard let key = s.withBlob(0, { StableHash128(bigEndian: $0) }) else { continue }
                while next < inside.count && inside[next] < key { next += 1 }
                if next < inside.count && inside[next] == key {
                    found.append(key, s.withBlob(1, { StableHash128(bigEndian: $0) }) ?? StableHash128(hi: 0, lo: 0))
                    next += 1
                }
            }
        }
        found.seal()
        return found
    }

    /// Full resync: forgets acknowledged keys of `kinds` (all when empty), so the next run sends everything.
    public func forget(_ kinds: [RecordKind]) throws -> Int {
        try database.transaction {
            if kinds.isEmpty {
                try database.execute("DELETE FROM acked")
            } else {
                try database.execute(
                    "DELETE FROM acked WHERE kind IN (\(kinds.map { String($0.rawValue) }.joined(separator: ",")))")
            }
            let removed = database.changes
            try database.execute("DELETE FROM filter")
            try database.execute("DELETE FROM blocked_filter")
            try database.execute("DELETE FROM meta WHERE name = 'acked_count'")
            bloom = nil
            return removed
        }
    }
}

/// Acknowledged content hashes of a partition's candidate keys, sorted for binary search.
struct AckedLookup: Sendable {
    private var keys: [StableHash128] = []
    private var hashes: [StableHash128] = []

    mutating func append(_ key: StableHash128, _ hash: StableHash128) {
        keys.append(key)
        hashes.append(hash)
    }

    mutating func seal() {
        // Found in key order, as they nearly always are, they need no sort.
        guard keys.count > 1, !keys.isSortedAscending else { return }
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        keys = order.map { keys[$0] }
        hashes = order.map { hashes[$0] }
    }

    subscript(key: StableHash128) -> StableHash128? {
        var lo = 0
        var hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo < keys.count && keys[lo] == key ? hashes[lo] : nil
    }
}

extension [StableHash128] {
    /// Whether each key is below the next: one pass, where sorting keys that were already in
    /// order took a fifth of phase two's CPU in an unchanged resync.
    var isSortedAscending: Bool {
        var i = 1
        while i < count {
            guard self[i - 1] < self[i] else { return false }
            i += 1
        }
        return true
    }
}

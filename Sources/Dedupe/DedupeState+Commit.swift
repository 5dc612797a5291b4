import JSONCodec
import SQLiteDatabase
import SyncCore
#if canImport(Glibc)
import Glibc
#endif

/// What a commit did.
public struct CommitResult: Sendable, Equatable {
    public var alreadyCommitted = false
    /// Pending keys now marked as acknowledged.
    public var acknowledged = 0
    /// Pending keys with no ack: left unmarked, so the next run sends them again.
    public var unacknowledged = 0
    /// Ack keys that the run never sent (ignored).
    public var unknownAcks = 0
}

extension DedupeState {
    func isCommitted(run: String) throws(SQLiteError) -> Bool {
        let s = try database.prepare("SELECT 1 FROM runs WHERE run = ?")
        s.bind(1, text: run)
        return try s.step()
    }

    /// Applies a run's acks: every pending key that Conversion acknowledged gets its content
    /// hash recorded, in one transaction with the run's row, so a commit is all or nothing and
    /// a second commit of the same run changes nothing.
    public func commit(run: String, acksPath: String) throws -> CommitResult {
        try PendingLog.validate(run: run)
        if try isCommitted(run: run) { return CommitResult(alreadyCommitted: true) }
        let pendingPath = PendingLog.path(forState: path, run: run)
        guard access(pendingPath, R_OK) == 0 else {
            throw ConfigurationError("no pending records for run '\(run)' next to \(path) (was the run started with this state file?)")
        }
        let acked = try Self.readAckKeys(acksPath)
        var result = CommitResult()
        let before = try ackedCount()
        let pendingEntries = Self.fileSize(pendingPath) / PendingLog.entrySize
        // A first commit builds its filter from the keys it adds; later ones grow it by a rescan
        // only when it would fill up.
        var filter = before == 0 ? BloomFilter(capacity: max(1 << 20, pendingEntries * 5 / 4)) : try loadBloom()
        try database.transaction {
            // Insert-or-ignore then update, so new rows are counted without scanning the table.
            let insert = try database.prepare("INSERT OR IGNORE INTO acked (key, kind, hash) VALUES (?, ?, ?)")
            let update = try database.prepare("UPDATE acked SET kind = ?2, hash = ?3 WHERE key = ?1")
            var added = 0
            var matched = 0
            var reader = try ChunkReader(path: pendingPath)
            while let chunk = try reader.next(PendingLog.entrySize) {
                guard let entry = chunk.withUnsafeBytes({ PendingLog.decode($0, at: 0) }) else { continue }
                guard acked.contains(entry.key) else { result.unacknowledged += 1; continue }
                matched += 1
                for statement in [insert, update] {
                    statement.reset()
                    statement.bind(1, hi: entry.key.hi, lo: entry.key.lo)
                    statement.bind(2, int: Int64(entry.kind.rawValue))
                    if entry.kind == .event { statement.bind(3, int: 0) } else { statement.bind(3, hi: entry.content.hi, lo: entry.content.lo) }
                    try statement.step()
                    if statement === insert {
                        if database.changes > 0 { added += 1; break }
                    }
                }
                filter.insert(entry.key)
                result.acknowledged += 1
            }
            result.unknownAcks = max(0, acked.count - matched)
            let mark = try database.prepare("INSERT INTO runs (run, committed_at, acked, ignored) VALUES (?, ?, ?, ?)")
            mark.bind(1, text: run)
            mark.bind(2, int: Int64(time(nil)))
            mark.bind(3, int: Int64(result.acknowledged))
            mark.bind(4, int: Int64(result.unacknowledged))
            try mark.step()
            let after = before + added
            try setAckedCount(after)
            if after > filter.capacity { filter = try rebuildBloom() }
            try saveBloom(filter)
        }
        unlink(pendingPath)
        return result
    }

    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// Keys of an acks file: each line's `key`, and for objects each of `relationshipKeys`.
    static func readAckKeys(_ path: String) throws -> SortedKeySet {
        var reader = NDJSONReader(lines: try LineReader(path: path))
        var keys = SortedKeySet()
        while let line = try reader.next() {
            guard case .object = line else { continue }
            let tape = reader.tape
            for member in tape.memberKeys(ofObject: 0) {
                switch tape.decodeString(member) {
                case "key" where tape[member + 1].kind == .string:
                    keys.insert(StableHash128(tape.decodeString(member + 1)))
                case "relationshipKeys" where tape[member + 1].kind == .array:
                    var k = member + 2
                    for _ in 0..<Int(tape[member + 1].start) {
                        if tape[k].kind == .string { keys.insert(StableHash128(tape.decodeString(k))) }
                        k = Int(tape[k].next)
                    }
                default: break
                }
            }
        }
        keys.seal()
        return keys
    }

    /// Counts for `cv-dedupe stats`.
    public func summary() throws -> JSONObject {
        var object: JSONObject = ["state": .string(path), "formatVersion": .number(String(Self.formatVersion))]
        let counts = try counts()
        for kind in RecordKind.allCases { object[kind.name] = .number(String(counts[kind] ?? 0)) }
        let runs = try database.prepare("SELECT count(*), max(committed_at) FROM runs")
        if try runs.step() {
            object["committedRuns"] = .number(String(runs.int(0)))
            object["lastCommit"] = runs.isNull(1) ? .null : .string(UTCTimestamp.rfc3339(epochSeconds: runs.int(1)))
        }
        let pending = FileTree.names(in: PendingLog.directory(forState: path)).filter { $0.hasSuffix(".bin") }.map { String($0.dropLast(4)) }
        object["uncommittedRuns"] = .array(pending.sorted().map(JSONValue.string))
        var info = stat()
        object["bytes"] = .number(String(stat(path, &info) == 0 ? Int(info.st_size) : 0))
        return object
    }
}

/// A set of key hashes as one sorted array: 16 bytes a key, a third of a `Set`'s footprint.
struct SortedKeySet {
    private var keys: [StableHash128] = []

    mutating func insert(_ key: StableHash128) { keys.append(key) }

    /// Sorts and removes duplicates; call once after the last insert.
    mutating func seal() {
        keys.sort()
        var kept = 0
        for i in keys.indices where kept == 0 || keys[kept - 1] != keys[i] {
            keys[kept] = keys[i]
            kept += 1
        }
        keys.removeSubrange(kept...)
    }

    var count: Int { keys.count }

    func contains(_ key: StableHash128) -> Bool {
        var lo = 0
        var hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo < keys.count && keys[lo] == key
    }
}

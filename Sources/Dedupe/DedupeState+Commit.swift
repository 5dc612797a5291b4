import Hashing
import JSONCodec
import SQLiteDatabase
import SyncCore
import StreamIO
import TimeFormats

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
    /// Of those, keys whose outcome is unknown: their stored hash is dropped, so the next run
    /// sends them whatever their content (a value sent but never confirmed may be in Conversion).
    public var invalidated = 0
    /// Ack keys that the run never sent (ignored).
    public var unknownAcks = 0
    /// Records put in (or kept in) the retry queue, and given up on.
    public var queued = 0
    public var gaveUp = 0
    /// Records left in the queue after the commit.
    public var queueSize = 0
}

/// How a commit treats the run's outcomes.
public struct CommitOptions {
    public var acksPath: String
    /// The run's rejects: retryable load rejects are queued; the others settle their keys.
    public var rejectsPath: String?
    /// Runs a record may be refused as retryable before it is given up.
    public var maxRetryRuns: Int
    /// Where given-up records are written as rejects (code gave_up_after_N_runs).
    public var gaveUpPath: String?
    /// Keys a commit holds in memory at once (a partition of the run's keys).
    public var partitionKeys = DedupeState.commitPartitionKeys

    public init(acksPath: String, rejectsPath: String? = nil, maxRetryRuns: Int = 10, gaveUpPath: String? = nil) {
        self.acksPath = acksPath
        self.rejectsPath = rejectsPath
        self.maxRetryRuns = maxRetryRuns
        self.gaveUpPath = gaveUpPath
    }
}

extension DedupeState {
    func isCommitted(run: String) throws(SQLiteError) -> Bool {
        let s = try database.prepare("SELECT 1 FROM runs WHERE run = ?")
        s.bind(1, text: run)
        return try s.step()
    }

    /// Runs that sent records and were never committed (their driver was killed).
    public func uncommittedRuns() -> [String] {
        let names = FileTree.names(in: PendingLog.directory(forState: path))
        var runs = Set<String>()
        for name in names {
            if name.hasSuffix(".bin") { runs.insert(String(name.dropLast(4))) }
            if name.hasSuffix(".bin.tmp") { runs.insert(String(name.dropLast(8))) }
        }
        return runs.sorted()
    }

    public func commit(run: String, acksPath: String) throws -> CommitResult {
        try commit(run: run, CommitOptions(acksPath: acksPath))
    }

    /// Applies a run's outcomes in one transaction with the run's row, so a commit is all or
    /// nothing and a second commit of the same run changes nothing: acknowledged keys get
    /// their content hash recorded; keys of unknown outcome lose theirs; retryable rejects go
    /// to the retry queue. A run killed before its pending log was complete is committed from
    /// what it wrote (entries are written before the records they describe are passed on).
    public func commit(run: String, _ options: CommitOptions) throws -> CommitResult {
        try PendingLog.validate(run: run)
        if try isCommitted(run: run) { return CommitResult(alreadyCommitted: true) }
        let pendingPath = try pendingLog(of: run)
        // Keys are split by their top bits into partitions in a scratch folder next to the
        // state, each about `partitionKeys` keys of the run, so memory stays bounded whatever the
        // size of the run; the acks file's size stands in for its (usually equal) key count.
        let scratch = path + ".work.\(getpid())"
        try FileTree.makeDirectory(scratch)
        defer { FileTree.remove(scratch) }
        let pendingCount = Self.fileSize(pendingPath) / PendingLog.entrySize
        let partitions = KeyPartitions<StableHash128>.partitions(
            for: max(pendingCount, Self.fileSize(options.acksPath) / 24), perPartition: options.partitionKeys)
        let outcomes = try RunOutcomes(
            acksPath: options.acksPath, rejectsPath: options.rejectsPath, scratch: scratch, partitions: partitions)
        let gaveUpLog = try options.gaveUpPath.map { p throws(OutputError) in
            // Given-up records are counted in the commit's summary; the file holds them all.
            try RejectLog(
                path: p, diagnostics: Diagnostics(tool: "cv-dedupe") { _ in }, location: p, echoLimit: Int.max)
        }
        var result = CommitResult()
        let before = try ackedCount()
        // A first commit builds its filter from the keys it adds; later ones grow it by a rescan
        // only when it would fill up.
        var filter = before == 0 ? BloomFilter(capacity: max(1 << 20, pendingCount * 5 / 4)) : try loadBloom()
        try database.transaction {
            var queue = try QueueWriter(self, maxRuns: options.maxRetryRuns, gaveUp: gaveUpLog)
            try outcomes.forEachRetryCandidate(acksPath: options.acksPath, rejectsPath: options.rejectsPath) {
                try queue.add($0)
            }
            queue.seal()
            let pending = try Self.split(pendingPath, into: scratch, count: outcomes.acked.count)
            var apply = try CommitApplication(self, queuedBefore: try queuedKeys(), touched: queue.touched)
            try apply.walk(pending, outcomes, into: &result, filter: &filter)
            try remove(apply.settledQueue)
            result.queued = queue.queued
            result.gaveUp = queue.gaveUp
            try markCommitted(run, result)
            let after = before + apply.added
            try setAckedCount(after)
            if after > filter.capacity { filter = try rebuildBloom() }
            try saveBloom(filter)
        }
        try gaveUpLog?.flush()
        result.queueSize = try queueCount()
        FileTree.remove(pendingPath)
        return result
    }

    /// The run's pending log: complete, or as far as a killed run wrote it.
    private func pendingLog(of run: String) throws -> String {
        let path = PendingLog.path(forState: self.path, run: run)
        if access(path, R_OK) == 0 { return path }
        if access(path + ".tmp", R_OK) == 0 { return path + ".tmp" }
        throw StateError.noPendingRun(run: run, path: self.path)
    }

    /// The pending log split like the acks, each entry with its place in the log (entries of one
    /// key keep their order when a partition is sorted).
    private static func split(_ pendingPath: String, into scratch: String, count: Int) throws
        -> KeyPartitions<PendingRecord>
    {
        let pending = try KeyPartitions<PendingRecord>(directory: scratch, name: "pending", count: count)
        var reader = try ChunkReader(path: pendingPath)
        var sequence: UInt64 = 0
        while let chunk = try reader.next(PendingLog.entrySize) {
            guard chunk.count == PendingLog.entrySize, let entry = PendingLog.decode(chunk.span, at: 0) else {
                continue
            }
            try pending.append(PendingRecord(entry: entry, sequence: sequence))
            sequence += 1
        }
        return pending
    }

    /// The run's row: committed, with its counts (a second commit of it changes nothing).
    private func markCommitted(_ run: String, _ result: CommitResult) throws {
        let mark = try database.prepare("INSERT INTO runs (run, committed_at, acked, ignored) VALUES (?, ?, ?, ?)")
        mark.bind(1, text: run)
        mark.bind(2, int: Int64(time(nil)))
        mark.bind(3, int: Int64(result.acknowledged))
        mark.bind(4, int: Int64(result.unacknowledged))
        try mark.step()
    }

    /// Keys of a run a commit holds at once: about 12 MB of pending entries and acks.
    public static let commitPartitionKeys = 1 << 18

    static func fileSize(_ path: String) -> Int { FileTree.size(path) ?? 0 }

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
        object["uncommittedRuns"] = .array(uncommittedRuns().map(JSONValue.string))
        object["retryQueue"] = .number(String(try queueCount()))
        object["bytes"] = .count(Self.fileSize(path))
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

/// What each pending entry's outcome does to the state: an acknowledged key gets its hash
/// recorded, a key of unknown outcome loses it, and a queued key that was settled leaves the
/// retry queue.
struct CommitApplication {
    private let database: Database
    private var ackedRows: AckedRows
    private let forget: Statement
    private let queuedBefore: SortedKeySet
    private let touched: SortedKeySet
    private(set) var settledQueue: [StableHash128] = []
    private var matched = 0
    private var distinctAcks = 0

    init(_ state: DedupeState, queuedBefore: SortedKeySet, touched: SortedKeySet) throws {
        database = state.database
        ackedRows = try AckedRows(state.database)
        forget = try state.database.prepare(
            "UPDATE acked SET hash = zeroblob(16) WHERE key = ? AND kind <> \(RecordKind.event.rawValue)")
        self.queuedBefore = queuedBefore
        self.touched = touched
    }

    var added: Int { ackedRows.added }

    /// Partitions in key order, each sorted, so the state's B-tree is written in order.
    mutating func walk(
        _ pending: KeyPartitions<PendingRecord>, _ outcomes: RunOutcomes, into result: inout CommitResult,
        filter: inout BloomFilter
    ) throws {
        var acks: [StableHash128] = []
        var settledKeys: [StableHash128] = []
        var records: [PendingRecord] = []
        for part in 0..<pending.count {
            try outcomes.acked.sorted(part, into: &acks)
            try outcomes.settled.sorted(part, into: &settledKeys)
            try pending.sorted(part, into: &records)
            for i in acks.indices where i == 0 || acks[i] != acks[i - 1] { distinctAcks += 1 }
            var matches = KeyMatches(records: records, acks: acks, settled: settledKeys)
            while let match = matches.next() { try apply(match, to: &result, filter: &filter) }
        }
        try ackedRows.flush()
        result.unknownAcks = max(0, distinctAcks - matched)
    }

    private mutating func apply(_ match: KeyMatch, to result: inout CommitResult, filter: inout BloomFilter) throws {
        let entry = match.entry
        let inQueue = queuedBefore.contains(entry.key) && !touched.contains(entry.key)
        if entry.retired || match.isAcked || match.isSettled {
            if inQueue { settledQueue.append(entry.key) }
        }
        if entry.retired { return }
        guard match.isAcked else {
            result.unacknowledged += 1
            if !match.isSettled && entry.kind != .event {
                forget.reset()
                forget.bind(1, hi: entry.key.hi, lo: entry.key.lo)
                try forget.step()
                result.invalidated += database.changes
            }
            return
        }
        matched += 1
        try ackedRows.add(entry)
        filter.insert(entry.key)
        result.acknowledged += 1
    }
}

/// A pending entry and what the run's outcomes say of its key.
struct KeyMatch: Equatable {
    var entry: PendingLog.Entry
    var isAcked: Bool
    var isSettled: Bool
}

/// The entries of one partition, each matched with the sorted acknowledged and settled keys by
/// walking the three sorted arrays side by side: no lookup, no allocation.
struct KeyMatches: IteratorProtocol {
    private let records: [PendingRecord]
    private let acks: [StableHash128]
    private let settled: [StableHash128]
    private var r = 0
    private var a = 0
    private var s = 0

    init(records: [PendingRecord], acks: [StableHash128], settled: [StableHash128]) {
        self.records = records
        self.acks = acks
        self.settled = settled
    }

    mutating func next() -> KeyMatch? {
        guard r < records.count else { return nil }
        let entry = records[r].entry
        r += 1
        while a < acks.count && acks[a] < entry.key { a += 1 }
        while s < settled.count && settled[s] < entry.key { s += 1 }
        return KeyMatch(
            entry: entry, isAcked: a < acks.count && acks[a] == entry.key,
            isSettled: s < settled.count && settled[s] == entry.key)
    }
}

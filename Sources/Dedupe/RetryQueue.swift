import Hashing
import JSONCodec
import SQLiteDatabase
import SyncCore
import StreamIO

/// The sync's retry queue, a table of the state file: records Conversion refused for a reason
/// outside their data (contact not there yet, object type not created yet, 5xx after retries),
/// with the number of runs that refused them. `cv-dedupe --retry-queue` feeds them into the
/// next run ahead of fresh records (a fresh record with the same key supersedes the queued
/// one); `commit` updates the queue from the run's outcomes and gives up after `maxRuns`.
enum RetryQueue {
    static let schema = """
        CREATE TABLE IF NOT EXISTS retry (key BLOB PRIMARY KEY, runs INTEGER NOT NULL, code TEXT NOT NULL,
          message TEXT NOT NULL, record TEXT NOT NULL) WITHOUT ROWID;
        """

    /// Queued records carry sequence 0; fresh ones count from 1, so a queued record sorts first in its group.
    static let sequence = 0

    /// Members that are bookkeeping rather than content, never part of a queued record's hash.
    static let bookkeeping = ["type", "row", "mergedRows", "key", "retried"].map { Array($0.utf8) }

    /// The queue key of a record: its dedupe key when it has one, else (an event with no
    /// eventId) the hash of its canonical content.
    static func key(_ tape: JSONTape, at index: Int, dedupeKey: String?, hasher: inout CanonicalHasher) -> StableHash128
    {
        if let dedupeKey { return StableHash128(dedupeKey) }
        return hasher.hash(tape, at: index, skipping: bookkeeping)
    }

    /// A record as it is queued: without its dedupe `key` and `retried` members, which the
    /// next run adds again.
    static func stored(_ tape: JSONTape, at index: Int) -> String {
        guard case .object(var object) = tape.value(at: index) else { return tape.value(at: index).serialized }
        object["key"] = nil
        object["retried"] = nil
        return JSONValue.object(object).serialized
    }
}

/// One record the queue takes in at commit.
struct QueueCandidate {
    var key: StableHash128
    var code: RejectCode
    var message: String
    var record: String
    var row: Int?
}

/// Inside commit's transaction: queues each candidate for one more run; one refused in
/// `maxRuns` runs leaves the queue as a permanent reject written to `gaveUp`.
struct QueueWriter {
    let maxRuns: Int
    let gaveUpLog: RejectLog?
    private let runs: Statement
    private let upsert: Statement
    private let delete: Statement
    private(set) var queued = 0
    private(set) var gaveUp = 0
    /// Keys queued (or given up) by this commit: the rest of commit must not remove them.
    private(set) var touched = SortedKeySet()

    init(_ state: DedupeState, maxRuns: Int, gaveUp: RejectLog?) throws(SQLiteError) {
        self.maxRuns = maxRuns
        gaveUpLog = gaveUp
        runs = try state.database.prepare("SELECT runs FROM retry WHERE key = ?")
        upsert = try state.database.prepare(
            "INSERT OR REPLACE INTO retry (key, runs, code, message, record) VALUES (?, ?, ?, ?, ?)")
        delete = try state.database.prepare("DELETE FROM retry WHERE key = ?")
    }

    mutating func add(_ candidate: QueueCandidate) throws {
        touched.insert(candidate.key)
        runs.reset()
        runs.bind(1, hi: candidate.key.hi, lo: candidate.key.lo)
        let count = (try runs.step() ? Int(runs.int(0)) : 0) + 1
        guard count < maxRuns else {
            delete.reset()
            delete.bind(1, hi: candidate.key.hi, lo: candidate.key.lo)
            try delete.step()
            gaveUp += 1
            var reject = Reject(
                stage: .retry, row: candidate.row, code: .gaveUp(afterRuns: count),
                message: "refused as retryable in \(count) runs; last: \(candidate.code): \(candidate.message)")
            reject.extra["lastCode"] = .string(candidate.code.rawValue)
            let log = gaveUpLog
            try log?.add(reject, input: Array(candidate.record.utf8).span)
            return
        }
        upsert.reset()
        upsert.bind(1, hi: candidate.key.hi, lo: candidate.key.lo)
        upsert.bind(2, int: Int64(count))
        upsert.bind(3, text: candidate.code.rawValue)
        upsert.bind(4, text: candidate.message)
        upsert.bind(5, text: candidate.record)
        try upsert.step()
        queued += 1
    }

    /// Call once after the last `add`.
    mutating func seal() { touched.seal() }
}

extension DedupeState {
    public func queueCount() throws(SQLiteError) -> Int {
        let s = try database.prepare("SELECT count(*) FROM retry")
        return try s.step() ? Int(s.int(0)) : 0
    }

    /// Every queued record's text, in key order.
    func forEachQueued(_ body: (String) throws -> Void) throws {
        let s = try database.prepare("SELECT record FROM retry ORDER BY key")
        while try s.step() { try body(s.text(0) ?? "{}") }
    }

    func queuedKeys() throws(SQLiteError) -> SortedKeySet {
        var keys = SortedKeySet()
        let s = try database.prepare("SELECT key FROM retry")
        while try s.step() {
            if let key = s.withBlob(0, { StableHash128(bigEndian: $0) }) { keys.insert(key) }
        }
        keys.seal()
        return keys
    }

    func remove(_ keys: [StableHash128]) throws(SQLiteError) {
        let s = try database.prepare("DELETE FROM retry WHERE key = ?")
        for key in keys {
            s.reset()
            s.bind(1, hi: key.hi, lo: key.lo)
            try s.step()
        }
    }
}

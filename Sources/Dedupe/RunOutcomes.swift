import Hashing
import JSONCodec
import SyncCore
import StreamIO

/// What a run's acks and rejects files say about the keys it sent. A key is acknowledged (an
/// ack), settled (a reject for the record's own data: Conversion kept what it had), or of
/// unknown outcome (no line at all, or a retryable reject: a 5xx may have been processed).
struct RunOutcomes {
    /// Acknowledged and settled keys, split into key partitions (see `KeyPartitions`), so
    /// commit takes them a partition at a time, in key order, beside the run's pending log.
    let acked: KeyPartitions<StableHash128>
    let settled: KeyPartitions<StableHash128>
    /// Whether some ack carries a `retry` object (relationships to queue): only then is the
    /// acks file read a second time, by `forEachRetryCandidate`.
    let acksHaveRetries: Bool

    /// Reads both files; a missing or torn last line (a killed cv-load) just says nothing.
    init(acksPath: String, rejectsPath: String?, scratch: String, partitions: Int) throws {
        let acked = try KeyPartitions<StableHash128>(directory: scratch, name: "acked", count: partitions)
        let settled = try KeyPartitions<StableHash128>(directory: scratch, name: "settled", count: partitions)
        var retries = false
        try Self.forEachLine(acksPath) { tape in
            for member in tape.memberKeys(ofObject: 0) {
                let value = member + 1
                if tape.stringEquals(member, "key") {
                    if tape[value].kind == .string { try acked.append(Self.key(tape, value)) }
                } else if tape.stringEquals(member, "relationshipKeys") {
                    for k in tape.elements(ofArray: value) where tape[k].kind == .string {
                        try acked.append(Self.key(tape, k))
                    }
                } else if tape.stringEquals(member, "relationshipErrors") {
                    for k in tape.elements(ofArray: value) {
                        if let key = tape.member("key", of: k), tape[key].kind == .string, !Self.isRetryable(tape, k) {
                            try settled.append(Self.key(tape, key))
                        }
                    }
                } else if tape.stringEquals(member, "retry") {
                    retries = true
                }
            }
        }
        if let rejectsPath {
            try Self.forEachLine(rejectsPath) { tape in
                guard tape.string("stage", of: 0) == Stage.load.rawValue, !Self.isRetryable(tape, 0),
                    let key = tape.member("key", of: 0), tape[key].kind == .string
                else { return }
                try settled.append(Self.key(tape, key))
            }
        }
        self.acked = acked
        self.settled = settled
        acksHaveRetries = retries
    }

    /// The dedupe key of the string token at `index`, hashed from the input bytes in place.
    static func key(_ tape: JSONTape, _ index: Int) -> StableHash128 {
        tape.withStringBytes(index) { StableHash128($0) }
    }

    /// Records to queue: retryable load rejects (with their input), and objects whose ack
    /// lists retryable relationship failures (the object with just those relationships).
    func forEachRetryCandidate(acksPath: String, rejectsPath: String?, _ body: (QueueCandidate) throws -> Void) throws {
        var hasher = CanonicalHasher()
        if let rejectsPath {
            try Self.forEachLine(rejectsPath) { tape in
                guard tape.string("stage", of: 0) == Stage.load.rawValue, Self.isRetryable(tape, 0),
                    let input = tape.member("input", of: 0),
                    tape[input].kind == .object
                else { return }
                let key = RetryQueue.key(tape, at: input, dedupeKey: tape.string("key", of: 0), hasher: &hasher)
                try body(
                    QueueCandidate(
                        key: key, code: RejectCode(tape.string("code", of: 0) ?? "unknown"),
                        message: tape.string("message", of: 0) ?? "",
                        record: RetryQueue.stored(tape, at: input), row: tape.integer("row", of: 0)))
            }
        }
        guard acksHaveRetries else { return }
        try Self.forEachLine(acksPath) { tape in
            guard let retry = tape.member("retry", of: 0), tape[retry].kind == .object,
                let key = tape.member("key", of: 0), tape[key].kind == .string
            else { return }
            try body(
                QueueCandidate(
                    key: Self.key(tape, key), code: .relationshipFailed,
                    message: "a relationship was refused for a retryable reason",
                    record: RetryQueue.stored(tape, at: retry), row: tape.integer("row", of: 0)))
        }
    }

    static func forEachLine(_ path: String, _ body: (JSONTape) throws -> Void) throws {
        var reader = NDJSONReader(lines: try LineReader(path: path))
        while let line = try reader.next() {
            guard case .object = line else { continue }
            try body(reader.tape)
        }
    }

    static func isRetryable(_ tape: JSONTape, _ object: Int) -> Bool {
        tape.bool("retryable", of: object) == true
    }
}

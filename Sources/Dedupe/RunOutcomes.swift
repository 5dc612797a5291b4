import JSONCodec
import SyncCore

/// What a run's acks and rejects files say about the keys it sent. A key is acknowledged (an
/// ack), settled (a reject for the record's own data: Conversion kept what it had), or of
/// unknown outcome (no line at all, or a retryable reject: a 5xx may have been processed).
struct RunOutcomes {
    /// Acknowledged and settled keys, split into key partitions (see `KeyPartitions`), so
    /// commit takes them a partition at a time, in key order, beside the run's pending log.
    let acked: KeyPartitions<StableHash128>
    let settled: KeyPartitions<StableHash128>

    /// Reads both files; a missing or torn last line (a killed cv-load) just says nothing.
    init(acksPath: String, rejectsPath: String?, scratch: String, partitions: Int) throws {
        let acked = try KeyPartitions<StableHash128>(directory: scratch, name: "acked", count: partitions)
        let settled = try KeyPartitions<StableHash128>(directory: scratch, name: "settled", count: partitions)
        try Self.forEachLine(acksPath) { tape in
            for member in tape.memberKeys(ofObject: 0) {
                switch tape.decodeString(member) {
                case "key" where tape[member + 1].kind == .string:
                    try acked.append(StableHash128(tape.decodeString(member + 1)))
                case "relationshipKeys" where tape[member + 1].kind == .array:
                    try Self.forEachElement(tape, member + 1) { k in
                        if tape[k].kind == .string { try acked.append(StableHash128(tape.decodeString(k))) }
                    }
                case "relationshipErrors" where tape[member + 1].kind == .array:
                    try Self.forEachElement(tape, member + 1) { k in
                        if let key = Self.string(tape, k, "key"), !Self.isRetryable(tape, k) { try settled.append(StableHash128(key)) }
                    }
                default: break
                }
            }
        }
        if let rejectsPath {
            try Self.forEachLine(rejectsPath) { tape in
                guard Self.string(tape, 0, "stage") == "load", !Self.isRetryable(tape, 0), let key = Self.string(tape, 0, "key") else { return }
                try settled.append(StableHash128(key))
            }
        }
        self.acked = acked
        self.settled = settled
    }

    /// Records to queue: retryable load rejects (with their input), and objects whose ack
    /// lists retryable relationship failures (the object with just those relationships).
    static func forEachRetryCandidate(acksPath: String, rejectsPath: String?, _ body: (QueueCandidate) throws -> Void) throws {
        var hasher = CanonicalHasher()
        if let rejectsPath {
            try forEachLine(rejectsPath) { tape in
                guard string(tape, 0, "stage") == "load", isRetryable(tape, 0), let input = member(tape, 0, "input"),
                      tape[input].kind == .object else { return }
                let key = RetryQueue.key(tape, at: input, dedupeKey: string(tape, 0, "key"), hasher: &hasher)
                try body(QueueCandidate(key: key, code: string(tape, 0, "code") ?? "unknown", message: string(tape, 0, "message") ?? "",
                                        record: RetryQueue.stored(tape, at: input), row: int(tape, 0, "row")))
            }
        }
        try forEachLine(acksPath) { tape in
            guard let retry = member(tape, 0, "retry"), tape[retry].kind == .object, let key = string(tape, 0, "key") else { return }
            try body(QueueCandidate(key: StableHash128(key), code: "relationship_failed", message: "a relationship was refused for a retryable reason",
                                    record: RetryQueue.stored(tape, at: retry), row: int(tape, 0, "row")))
        }
    }

    static func forEachLine(_ path: String, _ body: (JSONTape) throws -> Void) throws {
        var reader = NDJSONReader(lines: try LineReader(path: path))
        while let line = try reader.next() {
            guard case .object = line else { continue }
            try body(reader.tape)
        }
    }

    static func forEachElement(_ tape: JSONTape, _ array: Int, _ body: (Int) throws -> Void) rethrows {
        var k = array + 1
        for _ in 0..<Int(tape[array].start) {
            try body(k)
            k = Int(tape[k].next)
        }
    }

    static func member(_ tape: JSONTape, _ object: Int, _ name: String) -> Int? {
        for key in tape.memberKeys(ofObject: object) where tape.decodeString(key) == name { return key + 1 }
        return nil
    }

    static func string(_ tape: JSONTape, _ object: Int, _ name: String) -> String? {
        guard tape[object].kind == .object, let v = member(tape, object, name), tape[v].kind == .string else { return nil }
        return tape.decodeString(v)
    }

    static func int(_ tape: JSONTape, _ object: Int, _ name: String) -> Int? {
        guard let v = member(tape, object, name), tape[v].kind == .number else { return nil }
        return Int(String(decoding: tape.rawBytes(v), as: UTF8.self))
    }

    static func isRetryable(_ tape: JSONTape, _ object: Int) -> Bool {
        guard tape[object].kind == .object, let v = member(tape, object, "retryable") else { return false }
        return tape[v].kind == .true
    }
}

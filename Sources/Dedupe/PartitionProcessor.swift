import Hashing
import JSONCodec
import SyncCore
import StreamIO

/// Groups, merges and filters the records of one partition, in key order.
struct PartitionProcessor {
    let bloom: BloomFilter
    let changedOnly: Bool
    /// Key range of this partition on the high 64 bits of the key hash.
    let range: (lower: StableHash128, upper: StableHash128?)
    let expectedStateRows: Int
    /// The state's rows in all (this partition's share is `expectedStateRows`).
    let stateRows: Int
    /// Where the lines of entries spilled without them are.
    let lines: ReadOnlyFile

    /// The content fields of a contact; everything else (type, row, key) is bookkeeping.
    static let contactBookkeeping = ["type", "row", "mergedRows", "key"]
    static let contactBookkeepingBytes = contactBookkeeping.map { Array($0.utf8) }

    /// Records out, and the pending log that describes them. The log is written ahead: a
    /// record reaches the sink only after its pending entry reached the file, so a run killed
    /// at any point leaves a log that covers everything it passed on.
    struct Output: ~Copyable {
        var writer: JSONWriter
        let sink: ByteSink
        var pending: ByteBuffer
        let pendingSink: ByteSink

        mutating func maybeFlush() throws {
            guard writer.bytes.count >= sink.flushThreshold else {
                try pendingSink.maybeFlush(&pending)
                return
            }
            try flushAll()
        }

        mutating func flushAll() throws {
            try pendingSink.flush(&pending)
            try sink.flush(&writer.bytes)
        }

        /// A queued record settled without being sent.
        mutating func retire(_ key: StableHash128) {
            PendingLog.append(
                .init(kind: .event, key: key, content: StableHash128(hi: 0, lo: 0), retired: true), to: &pending)
        }
    }

    /// The processor of piece `piece` (its key-hash prefix) at split `level`: keys whose top
    /// 6 × (level + 1) bits are that prefix, and its share of the state's rows.
    init(piece: UInt64, level: Int, bloom: BloomFilter, changedOnly: Bool, stateRows: Int, lines: ReadOnlyFile) {
        let bits = 6 * (level + 1)
        let lower = StableHash128(hi: piece << UInt64(64 - bits), lo: 0)
        let next = (piece + 1) << UInt64(64 - bits)
        self.bloom = bloom
        self.changedOnly = changedOnly
        range = (lower, next == 0 ? nil : StableHash128(hi: next, lo: 0))
        expectedStateRows = stateRows >> bits
        self.stateRows = stateRows
        self.lines = lines
    }

    /// The processor of one part of this piece once it is split by the next six bits.
    func piece(_ piece: UInt64, level: Int) -> PartitionProcessor {
        PartitionProcessor(
            piece: piece, level: level, bloom: bloom, changedOnly: changedOnly, stateRows: stateRows, lines: lines)
    }

    /// Acknowledged content hashes of sorted keys (`DedupeState.acknowledged`, on whichever
    /// connection the calling thread owns).
    typealias Lookup = (
        _ keys: [StableHash128], _ range: (lower: StableHash128, upper: StableHash128?), _ expectedRows: Int
    ) throws -> AckedLookup

    /// A partition sorted, grouped and looked up in the state: everything but the output,
    /// so a second thread can prepare the next partition while the first emits this one.
    struct Prepared: Sendable {
        let bytes: [UInt8]
        let entries: [SpillEntry]
        let groups: [Range<Int>]
        let objects: [Int: ObjectPlan]
        let acked: AckedLookup
        let superseded: Int
    }

    func prepare(bytes: [UInt8], entries unsorted: [SpillEntry], lookup: Lookup) throws -> Prepared {
        // Sorted through compact (key, sequence, index) triples: moving them costs a third of
        // moving whole entries, which was the larger part of an unchanged resync's time here.
        var order = unsorted.indices.map {
            SortKey(key: unsorted[$0].key, sequence: unsorted[$0].sequence, index: Int32($0))
        }
        order.sort()
        let entries = order.map { unsorted[Int($0.index)] }
        var groups: [Range<Int>] = []
        var start = 0
        for i in 1...entries.count where i == entries.count || entries[i].key != entries[start].key {
            groups.append(start..<i)
            start = i
        }
        // A queued record (sequence 0, first in its group) gives way to fresh ones with its key;
        // an object keeps only its relationships from the queue, which fresh rows may lack.
        var superseded = 0
        for g in groups.indices
        where entries[groups[g].lowerBound].sequence == RetryQueue.sequence && groups[g].count > 1 {
            superseded += 1
            if entries[groups[g].lowerBound].kind != .object {
                groups[g] = groups[g].lowerBound + 1..<groups[g].upperBound
            }
        }
        var objects: [Int: ObjectPlan] = [:]
        var candidates: [StableHash128] = []
        for (g, group) in groups.enumerated() {
            let first = entries[group.lowerBound]
            // Intake asked the filter already: a record it may hold was spilled without its line.
            if first.kind == .object ? bloom.mightContain(first.key) : first.external { candidates.append(first.key) }
            if first.kind == .object {
                let plan = try ObjectPlan(group.map { entries[$0] }, bytes: bytes) { try parseObject(bytes, $0) }
                for r in plan.relationships where bloom.mightContain(r.key) { candidates.append(r.key) }
                objects[g] = plan
            }
        }
        // In key order already unless an object's relationships were added among them.
        if !candidates.isSortedAscending { candidates.sort() }
        let acked = try lookup(candidates, range, expectedStateRows)
        return Prepared(
            bytes: bytes, entries: entries, groups: groups, objects: objects, acked: acked, superseded: superseded)
    }

    func emit(_ prepared: Prepared, output: inout Output, stats: inout DedupeStats) throws {
        let (bytes, entries, groups, objects, acked) = (
            prepared.bytes, prepared.entries, prepared.groups, prepared.objects, prepared.acked
        )
        stats.superseded += prepared.superseded
        for (g, group) in groups.enumerated() {
            let first = entries[group.lowerBound]
            let queuedOnly = group.count == 1 && first.sequence == RetryQueue.sequence
            let folded = first.kind == .object && first.sequence == RetryQueue.sequence && group.count > 1 ? 1 : 0
            stats.merged += first.kind == .event ? 0 : group.count - 1 - folded
            let sent: Bool
            switch first.kind {
            case .event:
                stats.duplicates += group.count - 1
                if acked[first.key] != nil {
                    stats.duplicates += 1
                    sent = false
                } else {
                    try emitLine(
                        first, bytes: bytes, content: StableHash128(hi: 0, lo: 0), output: &output, stats: &stats)
                    sent = true
                }
            case .contact:
                sent = try emitContact(entries[group], bytes: bytes, acked: acked, output: &output, stats: &stats)
            case .object:
                sent = try emitObject(objects[g]!, acked: acked, output: &output, stats: &stats)
            case .relationship:
                sent = true
            }
            // A queued record that needs no sending any more leaves the queue at commit.
            if queuedOnly && !sent { output.retire(first.key) }
        }
    }

    private func emitContact(
        _ rows: ArraySlice<SpillEntry>, bytes: [UInt8], acked: AckedLookup,
        output: inout Output, stats: inout DedupeStats
    ) throws -> Bool {
        let first = rows[rows.startIndex]
        if rows.count == 1 {
            let content = first.content
            if changedOnly && acked[first.key] == content {
                stats.unchanged += 1
                return false
            }
            try emitLine(first, bytes: bytes, content: content, output: &output, stats: &stats)
            return true
        }
        let records = try rows.map { try parseObject(bytes, $0) }
        var merged = RecordMerger.mergeContacts(records)
        var hashed = merged
        for name in Self.contactBookkeeping { hashed[name] = nil }
        let content = CanonicalJSON.hash(.object(hashed))
        if changedOnly && acked[first.key] == content {
            stats.unchanged += 1
            return false
        }
        merged["key"] = .string(Self.text(bytes, first.keyText))
        try emit(merged, pending: [(.contact, first.key, content)], output: &output, stats: &stats)
        return true
    }

    private func emitObject(_ plan: ObjectPlan, acked: AckedLookup, output: inout Output, stats: inout DedupeStats)
        throws -> Bool
    {
        let objectChanged = !changedOnly || acked[plan.key] != plan.content
        let sent = plan.relationships.filter { !changedOnly || acked[$0.key] != $0.content }
        if !objectChanged && sent.isEmpty {
            stats.unchanged += 1
            return false
        }
        var record = plan.record
        record["relationships"] = .array(
            sent.map { r in
                var value = r.value
                value["key"] = .string(r.keyText)
                return .object(value)
            })
        record["key"] = .string(plan.keyText)
        if plan.fromQueueOnly { record["retried"] = .bool(true) }
        let pending =
            [(RecordKind.object, plan.key, plan.content)] + sent.map { (RecordKind.relationship, $0.key, $0.content) }
        try emit(record, pending: pending, output: &output, stats: &stats)
        return true
    }

    /// Writes the original line with a `key` member added: no re-serialisation on the common path.
    private func emitLine(
        _ entry: SpillEntry, bytes: [UInt8], content: StableHash128, output: inout Output, stats: inout DedupeStats
    ) throws {
        if entry.external {
            let line = try lines.read(entry.line)
            writeLine(line.span, keyText: bytes.span.extracting(entry.keyText), output: &output)
        } else {
            writeLine(
                bytes.span.extracting(entry.line), keyText: bytes.span.extracting(entry.keyText), output: &output)
        }
        // A record straight from the retry queue says so: its refusal then does not count
        // against the run's own records.
        output.writer.writeRaw(entry.sequence == RetryQueue.sequence ? ",\"retried\":true}\n" : "}\n")
        try finish([(entry.kind, entry.key, content)], output: &output, stats: &stats)
    }

    /// The line up to its closing brace, then its key (the caller closes the object).
    private func writeLine(_ line: Span<UInt8>, keyText: Span<UInt8>, output: inout Output) {
        var end = line.count
        while end > 0, line[end - 1] != UInt8(ascii: "}") { end -= 1 }
        output.writer.writeRaw(line.extracting(..<max(end - 1, 0)))
        output.writer.writeRaw(",\"key\":")
        output.writer.writeString(utf8: keyText)
    }

    private func emit(
        _ record: JSONObject, pending: [(RecordKind, StableHash128, StableHash128)], output: inout Output,
        stats: inout DedupeStats
    ) throws {
        output.writer.writeObject(record)
        output.writer.writeByte(0x0A)
        try finish(pending, output: &output, stats: &stats)
    }

    private func finish(
        _ pending: [(RecordKind, StableHash128, StableHash128)], output: inout Output, stats: inout DedupeStats
    ) throws {
        stats.recordsOut += 1
        for (kind, key, content) in pending {
            PendingLog.append(.init(kind: kind, key: key, content: content), to: &output.pending)
        }
        try output.maybeFlush()
    }

    /// The record of `entry`, from the partition's bytes or the lines file.
    func parseObject(_ bytes: [UInt8], _ entry: SpillEntry) throws -> JSONObject {
        // One array either way: a span of the partition's bytes on one branch and of a line read
        // back on the other crashes Swift 6.3.1's compiler ("Instruction does not dominate").
        let line = entry.external ? try lines.read(entry.line) : Array(bytes[entry.line])
        return try Self.parseObject(line.span)
    }

    static func parseObject(_ line: Span<UInt8>) throws -> JSONObject {
        guard case .object(let object) = try JSONValue.parse(line) else {
            throw StateError.damagedSpill(detail: "a spilled record is not a JSON object")
        }
        return object
    }

    static func text(_ bytes: [UInt8], _ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
}

/// What a partition's entries are sorted by: key, then arrival.
struct SortKey: Comparable {
    var key: StableHash128
    var sequence: Int
    var index: Int32

    static func < (a: SortKey, b: SortKey) -> Bool { a.key != b.key ? a.key < b.key : a.sequence < b.sequence }
    static func == (a: SortKey, b: SortKey) -> Bool { a.key == b.key && a.sequence == b.sequence }
}

/// An object after merging, with the hashes of its own content and of each relationship.
struct ObjectPlan: Sendable {
    struct Relationship: Sendable {
        var key: StableHash128
        var keyText: String
        var content: StableHash128
        var value: JSONObject
    }

    var key: StableHash128
    var keyText: String
    var record: JSONObject
    var content: StableHash128
    var relationships: [Relationship]
    var fromQueueOnly: Bool

    init(_ rows: [SpillEntry], bytes: [UInt8], parse: (SpillEntry) throws -> JSONObject) throws {
        fromQueueOnly = rows.count == 1 && rows[0].sequence == RetryQueue.sequence
        var records = try rows.map(parse)
        if rows.count > 1 && rows[0].sequence == RetryQueue.sequence { records[0]["fields"] = nil }
        record = rows.count == 1 ? records[0] : RecordMerger.mergeObjects(records)
        key = rows[0].key
        keyText = PartitionProcessor.text(bytes, rows[0].keyText)
        content = CanonicalJSON.hash(
            .object([
                "objectType": record["objectType"] ?? .null, "id": record["id"] ?? .null,
                "fields": record["fields"] ?? .null,
            ]))
        var relationships: [Relationship] = []
        if case .array(let items)? = record["relationships"] {
            for case .object(let r) in items {
                guard let contact = RecordMerger.relationshipContactKey(r) else { continue }
                let text = "relationship:" + keyText.dropFirst("object:".count) + ":" + contact
                // The contact is the key; only the relationship's own fields are its content.
                let content = CanonicalJSON.hash(r["fields"] ?? .object([:]))
                relationships.append(Relationship(key: StableHash128(text), keyText: text, content: content, value: r))
            }
        }
        self.relationships = relationships
    }
}

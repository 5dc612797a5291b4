import Hashing
import JSONCodec
import SyncCore
import StreamIO

/// A fixed-size record with a 128-bit key, that can be written to a file and read back.
protocol SpillableRecord: Comparable {
    static var byteCount: Int { get }
    var partitionKey: StableHash128 { get }
    init(_ raw: Span<UInt8>, at offset: Int)
    func append(to buffer: inout ByteBuffer)
}

/// Records split by the top bits of their key into `count` partition files, so that reading
/// partition 0, 1, … and sorting each in memory yields all records in key order while holding
/// only one partition at a time. A commit of ten million acks thus holds a few megabytes of keys
/// instead of 160 MB, and writes the state's B-tree in key order. Files are written like
/// `SpillWriter`'s: a sink and a buffer per partition.
final class KeyPartitions<Record: SpillableRecord> {
    let count: Int
    private let shift: UInt64
    private let paths: [String]
    private final class Part {
        let sink: ByteSink
        var buffer = ByteBuffer(capacity: 16 << 10)
        var records = 0
        init(_ sink: ByteSink) { self.sink = sink }
    }
    private var parts: [Part] = []

    /// `count` is rounded up to a power of two.
    init(directory: String, name: String, count: Int) throws(OutputError) {
        var n = 1
        while n < count { n <<= 1 }
        self.count = n
        shift = UInt64(64 - n.trailingZeroBitCount)
        paths = (0..<n).map { directory + "/\(name).\($0)" }
        for path in paths { parts.append(Part(try ByteSink(path: path, flushThreshold: 16 << 10))) }
    }

    /// How many partitions keep about `perPartition` records in each; at most 256, since each
    /// is an open file (three kinds of them at once stay far below the usual 1024 descriptors).
    static func partitions(for records: Int, perPartition: Int) -> Int {
        min(256, max(1, (records + perPartition - 1) / perPartition))
    }

    func append(_ record: Record) throws(OutputError) {
        let part = parts[count == 1 ? 0 : Int(record.partitionKey.hi >> shift)]
        record.append(to: &part.buffer)
        part.records += 1
        try part.sink.maybeFlush(&part.buffer)
    }

    /// Partition `p`'s records, sorted, in place of what `records` held (its memory is reused,
    /// so a commit of many partitions does not fault in fresh pages for each). Call for 0, 1, …
    /// in turn, after the last append; the partition's file is removed once read.
    func sorted(_ p: Int, into records: inout [Record]) throws {
        try parts[p].sink.flush(&parts[p].buffer)
        records.removeAll(keepingCapacity: true)
        records.reserveCapacity(parts[p].records)
        var reader = try ChunkReader(path: paths[p])
        let perChunk = max(1, (1 << 16) / Record.byteCount)
        var left = parts[p].records
        while left > 0 {
            let n = min(left, perChunk)
            guard let chunk = try reader.next(n * Record.byteCount) else { break }
            let raw = chunk.span
            var at = 0
            while at + Record.byteCount <= raw.count {
                records.append(Record(raw, at: at))
                at += Record.byteCount
            }
            left -= n
        }
        FileTree.remove(paths[p])
        records.sort()
    }
}

extension StableHash128: SpillableRecord {
    static var byteCount: Int { 16 }
    var partitionKey: StableHash128 { self }

    init(_ raw: Span<UInt8>, at offset: Int) {
        self.init(
            hi: raw.loadLittleEndian(UInt64.self, at: offset), lo: raw.loadLittleEndian(UInt64.self, at: offset + 8))
    }

    func append(to buffer: inout ByteBuffer) {
        buffer.appendLittleEndian(hi)
        buffer.appendLittleEndian(lo)
    }
}

/// A pending-log entry with its position in the log, so entries of one key keep their order.
struct PendingRecord: SpillableRecord {
    var entry: PendingLog.Entry
    var sequence: UInt64

    static var byteCount: Int { PendingLog.entrySize + 8 }
    var partitionKey: StableHash128 { entry.key }

    init(entry: PendingLog.Entry, sequence: UInt64) {
        self.entry = entry
        self.sequence = sequence
    }

    init(_ raw: Span<UInt8>, at offset: Int) {
        entry = PendingLog.decode(raw, at: offset)!
        sequence = raw.loadLittleEndian(UInt64.self, at: offset + PendingLog.entrySize)
    }

    func append(to buffer: inout ByteBuffer) {
        PendingLog.append(entry, to: &buffer)
        buffer.appendLittleEndian(sequence)
    }

    static func < (a: PendingRecord, b: PendingRecord) -> Bool {
        a.entry.key != b.entry.key ? a.entry.key < b.entry.key : a.sequence < b.sequence
    }

    static func == (a: PendingRecord, b: PendingRecord) -> Bool {
        a.entry.key == b.entry.key && a.sequence == b.sequence
    }
}

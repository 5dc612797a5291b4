import SyncCore
#if canImport(Glibc)
import Glibc
#endif

/// A fixed-size record with a 128-bit key, that can be written to a file and read back.
protocol SpillableRecord: Comparable {
    static var byteCount: Int { get }
    var partitionKey: StableHash128 { get }
    init(_ raw: UnsafeRawBufferPointer, at offset: Int)
    func append(to bytes: inout [UInt8])
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

/// Records split by the top bits of their key into `count` partition files, so that reading
/// partition 0, 1, … and sorting each in memory yields all records in key order while holding
/// only one partition at a time. A commit of ten million acks thus holds a few megabytes of keys
/// instead of 160 MB, and writes the state's B-tree in key order.
final class KeyPartitions<Record: SpillableRecord> {
    let count: Int
    private let shift: UInt64
    private let paths: [String]
    private var files: [Int32]
    private var buffers: [[UInt8]]
    private static var flushBytes: Int { 16 << 10 }

    /// `count` is rounded up to a power of two.
    init(directory: String, name: String, count: Int) throws(OutputError) {
        var n = 1
        while n < count { n <<= 1 }
        self.count = n
        shift = UInt64(64 - n.trailingZeroBitCount)
        paths = (0..<n).map { directory + "/\(name).\($0)" }
        files = []
        buffers = []
        for path in paths {
            let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw .writeFailed(destination: path, errno: errno) }
            unlink(path)
            files.append(fd)
            buffers.append([UInt8]())
            buffers[buffers.count - 1].reserveCapacity(Self.flushBytes + Record.byteCount)
        }
    }

    deinit { for fd in files { close(fd) } }

    /// How many partitions keep about `perPartition` records in each; at most 256, since each
    /// is an open file (three kinds of them at once stay far below the usual 1024 descriptors).
    static func partitions(for records: Int, perPartition: Int) -> Int { min(256, max(1, (records + perPartition - 1) / perPartition)) }

    func append(_ record: Record) throws(OutputError) {
        let p = count == 1 ? 0 : Int(record.partitionKey.hi >> shift)
        record.append(to: &buffers[p])
        if buffers[p].count >= Self.flushBytes { try flush(p) }
    }

    private func flush(_ p: Int) throws(OutputError) {
        let fd = files[p], path = paths[p]
        let failure: OutputError? = buffers[p].withUnsafeBufferPointer { bytes -> OutputError? in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return .writeFailed(destination: path, errno: errno)
                }
                offset += n
            }
            return nil
        }
        if let failure { throw failure }
        buffers[p].removeAll(keepingCapacity: true)
    }

    /// Partition `p`'s records, sorted. Call for 0, 1, … in turn, after the last append.
    func sorted(_ p: Int) throws(OutputError) -> [Record] {
        try flush(p)
        let fd = files[p], size = Int(lseek(fd, 0, SEEK_END))
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        while offset < size {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + offset, size - offset, off_t(offset)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .writeFailed(destination: paths[p], errno: n < 0 ? errno : EIO) }
            offset += n
        }
        ftruncate(fd, 0)
        buffers[p] = []
        var records: [Record] = []
        records.reserveCapacity(size / Record.byteCount)
        bytes.withUnsafeBytes { raw in
            var at = 0
            while at + Record.byteCount <= raw.count {
                records.append(Record(raw, at: at))
                at += Record.byteCount
            }
        }
        records.sort()
        return records
    }
}

extension StableHash128: SpillableRecord {
    static var byteCount: Int { 16 }
    var partitionKey: StableHash128 { self }

    init(_ raw: UnsafeRawBufferPointer, at offset: Int) {
        self.init(hi: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
                  lo: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)))
    }

    func append(to bytes: inout [UInt8]) {
        bytes.appendLittleEndian(hi)
        bytes.appendLittleEndian(lo)
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

    init(_ raw: UnsafeRawBufferPointer, at offset: Int) {
        entry = PendingLog.decode(raw, at: offset)!
        sequence = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + PendingLog.entrySize, as: UInt64.self))
    }

    func append(to bytes: inout [UInt8]) {
        bytes.append(entry.kind.rawValue | (entry.retired ? PendingLog.retiredFlag : 0))
        bytes.appendLittleEndian(entry.key.hi)
        bytes.appendLittleEndian(entry.key.lo)
        bytes.appendLittleEndian(entry.content.hi)
        bytes.appendLittleEndian(entry.content.lo)
        bytes.appendLittleEndian(sequence)
    }

    static func < (a: PendingRecord, b: PendingRecord) -> Bool {
        a.entry.key != b.entry.key ? a.entry.key < b.entry.key : a.sequence < b.sequence
    }

    static func == (a: PendingRecord, b: PendingRecord) -> Bool { a.entry.key == b.entry.key && a.sequence == b.sequence }
}

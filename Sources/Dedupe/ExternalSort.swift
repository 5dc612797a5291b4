import JSONCodec
import SyncCore
#if canImport(Glibc)
import Glibc
#endif

/// A fixed-size record that can be written to and read back from a sorted run file.
protocol SpillableRecord: Comparable {
    static var byteCount: Int { get }
    init(_ raw: UnsafeRawBufferPointer, at offset: Int)
    func append(to buffer: inout ByteBuffer)
}

/// Sorts any number of records in bounded memory: up to `runLimit` are sorted in memory; beyond
/// that, sorted runs go to files in `directory` and are merged on the way out. A commit of ten
/// million acks thus holds a few megabytes of keys at a time instead of all of them.
struct ExternalSort<Record: SpillableRecord> {
    private let directory: String
    private let name: String
    private let runLimit: Int
    private var records: [Record] = []
    private var runs: [String] = []
    private(set) var count = 0

    init(directory: String, name: String, runLimit: Int) {
        self.directory = directory
        self.name = name
        self.runLimit = max(1, runLimit)
    }

    mutating func append(_ record: Record) throws(OutputError) {
        records.append(record)
        count += 1
        if records.count >= runLimit { try spill() }
    }

    private mutating func spill() throws(OutputError) {
        records.sort()
        let path = directory + "/\(name).\(runs.count)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .writeFailed(destination: path, errno: errno) }
        defer { close(fd) }
        var buffer = ByteBuffer(capacity: 1 << 20)
        for record in records {
            record.append(to: &buffer)
            if buffer.count >= 1 << 20 { try Self.write(&buffer, to: fd, path: path) }
        }
        try Self.write(&buffer, to: fd, path: path)
        runs.append(path)
        records.removeAll(keepingCapacity: false)
    }

    private static func write(_ buffer: inout ByteBuffer, to fd: Int32, path: String) throws(OutputError) {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .writeFailed(destination: path, errno: errno)
            }
            offset += n
        }
        buffer.removeAll()
    }

    /// The records in order. The sorter is used up; its run files are removed as they are read.
    consuming func sorted() throws(OutputError) -> SortedRecords<Record> {
        if runs.isEmpty {
            records.sort()
            return SortedRecords(memory: records)
        }
        if !records.isEmpty { try spill() }
        return try SortedRecords(files: runs)
    }
}

/// The merge of sorted runs (or one sorted array), read one record at a time.
final class SortedRecords<Record: SpillableRecord> {
    private var memory: [Record]
    private var position = 0
    private var files: [RunFile<Record>] = []
    private var heads: [Record?] = []

    init(memory: [Record]) { self.memory = memory }

    init(files paths: [String]) throws(OutputError) {
        memory = []
        for path in paths {
            let file = try RunFile<Record>(path: path)
            files.append(file)
            heads.append(try file.next())
        }
    }

    /// The next record in order, or nil at the end. Runs are few (a run per `runLimit`
    /// records), so the smallest head is found by a scan.
    func next() throws(OutputError) -> Record? {
        if files.isEmpty {
            guard position < memory.count else { return nil }
            position += 1
            return memory[position - 1]
        }
        var best = -1
        for i in heads.indices {
            guard let head = heads[i] else { continue }
            if best < 0 || head < heads[best]! { best = i }
        }
        guard best >= 0 else { return nil }
        let record = heads[best]
        heads[best] = try files[best].next()
        return record
    }
}

/// One sorted run file, read through a buffer and unlinked once open.
final class RunFile<Record: SpillableRecord> {
    private let fd: Int32
    private let path: String
    private var buffer = [UInt8](repeating: 0, count: 256 << 10)
    private var start = 0
    private var end = 0

    init(path: String) throws(OutputError) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .writeFailed(destination: path, errno: errno) }
        self.path = path
        unlink(path)
    }

    deinit { close(fd) }

    func next() throws(OutputError) -> Record? {
        let size = Record.byteCount
        if end - start < size {
            buffer.replaceSubrange(0..<end - start, with: buffer[start..<end])
            end -= start
            start = 0
            while end < size {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + end, $0.count - end) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw .writeFailed(destination: path, errno: errno)
                }
                if n == 0 { return nil }
                end += n
            }
        }
        let record = buffer.withUnsafeBytes { Record($0, at: start) }
        start += size
        return record
    }
}

extension StableHash128: SpillableRecord {
    static var byteCount: Int { 16 }

    init(_ raw: UnsafeRawBufferPointer, at offset: Int) {
        self.init(hi: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
                  lo: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)))
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

    init(entry: PendingLog.Entry, sequence: UInt64) {
        self.entry = entry
        self.sequence = sequence
    }

    init(_ raw: UnsafeRawBufferPointer, at offset: Int) {
        entry = PendingLog.decode(raw, at: offset)!
        sequence = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + PendingLog.entrySize, as: UInt64.self))
    }

    func append(to buffer: inout ByteBuffer) {
        PendingLog.append(entry, to: &buffer)
        buffer.appendLittleEndian(sequence)
    }

    static func < (a: PendingRecord, b: PendingRecord) -> Bool {
        a.entry.key != b.entry.key ? a.entry.key < b.entry.key : a.sequence < b.sequence
    }

    static func == (a: PendingRecord, b: PendingRecord) -> Bool { a.entry.key == b.entry.key && a.sequence == b.sequence }
}

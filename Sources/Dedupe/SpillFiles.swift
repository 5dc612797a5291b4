import Hashing
import JSONCodec
import SyncCore
import StreamIO

#if canImport(Glibc)
    import Glibc
#endif

/// One spilled record: who it is, where it came in, and its line.
struct SpillEntry: Sendable {
    var kind: RecordKind
    var key: StableHash128
    var sequence: Int
    /// Content hash computed while the record was parsed on the way in (contacts).
    var content: StableHash128
    /// Offsets into the partition's buffer.
    var keyText: Range<Int>
    /// In the partition's buffer, or (`external`) in the run's lines file.
    var line: Range<Int>
    var external = false
}

/// Hash-partitions records into 64 files so each partition can be grouped in memory: input of
/// any size is processed in pieces of bounded size (a piece too large is split again).
///
/// A record whose key the state may already hold is spilled as its header and key alone, its
/// line appended to one lines file beside the partitions: an unchanged resync compares keys
/// and content hashes and never needs those lines back, so phase two reads a third of the
/// bytes (1M contacts: 78 MB instead of 250) and holds partitions a third the size. The few
/// lines that are needed after all (changed records, the filter's false positives) are read
/// back one by one (`ReadOnlyFile.read(_:)`).
final class SpillWriter {
    static let fanout = 64
    let directory: String
    let level: Int
    /// One open partition file and its write buffer.
    private final class Part {
        let sink: ByteSink
        var buffer = ByteBuffer(capacity: 1 << 15)
        init(_ sink: ByteSink) { self.sink = sink }

        /// One access to `buffer` for a whole record: each access to a class's stored property
        /// is checked for exclusivity at run time, and ten a record were 3% of a resync's cv-dedupe.
        func withBuffer(_ body: (inout ByteBuffer) throws -> Void) throws { try body(&buffer) }
    }

    private var parts: [Part] = []
    /// Entries appended to each partition.
    private(set) var counts = [Int](repeating: 0, count: SpillWriter.fanout)
    /// The lines file (level 0 only: a split keeps the references it reads).
    private let lines: Part?
    private var linesSize = 0

    init(directory: String, level: Int) throws {
        self.directory = directory
        self.level = level
        try FileTree.makeDirectory(directory)
        lines = level == 0 ? Part(try ByteSink(path: Self.linesPath(directory), flushThreshold: 1 << 16)) : nil
        for p in 0..<Self.fanout {
            parts.append(Part(try ByteSink(path: path(p), flushThreshold: 1 << 15)))
        }
    }

    func path(_ partition: Int) -> String { "\(directory)/p\(partition)" }

    static func linesPath(_ directory: String) -> String { directory + "/lines" }

    static let headerSize = 57
    /// The header's line offset of a line kept in the partition itself.
    private static let inline = UInt64.max

    func append(
        kind: RecordKind, key: StableHash128, content: StableHash128, sequence: Int,
        keyText: Span<UInt8>, line: Span<UInt8>
    ) throws {
        try append(kind, key, content, sequence, keyText, line: line, count: line.count, at: Self.inline)
    }

    /// `append`, with the line to the lines file and only its place in the partition.
    func appendExternal(
        kind: RecordKind, key: StableHash128, content: StableHash128, sequence: Int,
        keyText: Span<UInt8>, line: Span<UInt8>
    ) throws {
        guard let lines else { preconditionFailure("only the first level has a lines file") }
        let at = linesSize
        try lines.withBuffer { buffer in
            buffer.append(contentsOf: line)
            try lines.sink.maybeFlush(&buffer)
        }
        linesSize += line.count
        try append(kind, key, content, sequence, keyText, line: nil, count: line.count, at: UInt64(at))
    }

    /// A record read back from a piece being split, its line where it was.
    func append(_ r: borrowing SpillReader.Record) throws {
        let h = r.header
        try append(
            h.kind, h.key, h.content, h.sequence, r.keyText.span, line: h.lineAt == nil ? r.line.span : nil,
            count: h.lineLength, at: h.lineAt.map(UInt64.init) ?? Self.inline)
    }

    private func append(
        _ kind: RecordKind, _ key: StableHash128, _ content: StableHash128, _ sequence: Int,
        _ keyText: Span<UInt8>, line: Span<UInt8>?, count: Int, at: UInt64
    ) throws {
        let p = key.partition(level: level)
        counts[p] += 1
        let part = parts[p]
        try part.withBuffer { buffer in
            buffer.append(kind.rawValue)
            buffer.appendLittleEndian(key.hi)
            buffer.appendLittleEndian(key.lo)
            buffer.appendLittleEndian(content.hi)
            buffer.appendLittleEndian(content.lo)
            buffer.appendLittleEndian(UInt64(sequence))
            buffer.appendLittleEndian(UInt32(keyText.count))
            buffer.appendLittleEndian(UInt32(count))
            buffer.appendLittleEndian(at)
            buffer.append(contentsOf: keyText)
            if let line { buffer.append(contentsOf: line) }
            try part.sink.maybeFlush(&buffer)
        }
    }

    func close() throws {
        for part in parts { try part.sink.flush(&part.buffer) }
        if let lines { try lines.sink.flush(&lines.buffer) }
        parts.removeAll()
    }

    /// Reads a partition file back: its bytes and the entries pointing into them.
    static func read(_ path: String) throws -> (bytes: [UInt8], entries: [SpillEntry]) {
        let bytes = try TextFile.readBytes(path, limit: Int.max)
        var entries: [SpillEntry] = []
        let raw = bytes.span
        var offset = 0
        while offset + headerSize <= raw.count {
            let h = try SpillHeader(raw, at: offset, of: path)
            let keyStart = offset + headerSize
            let lineStart = h.lineAt ?? keyStart + h.keyLength
            entries.append(
                SpillEntry(
                    kind: h.kind, key: h.key, sequence: h.sequence, content: h.content,
                    keyText: keyStart..<keyStart + h.keyLength,
                    line: lineStart..<lineStart + h.lineLength, external: h.lineAt != nil))
            offset = keyStart + h.keyLength + (h.lineAt == nil ? h.lineLength : 0)
        }
        return (bytes, entries)
    }
}

/// The fixed part of a spilled entry, as `SpillWriter.append` lays it out (little-endian):
/// kind (1), key (16), content hash (16), sequence (8), key length (4), line length (4), and
/// the line's offset in the lines file (8; all ones when the line follows the key).
struct SpillHeader {
    var kind: RecordKind
    var key: StableHash128
    var content: StableHash128
    var sequence: Int
    var keyLength: Int
    var lineLength: Int
    /// Where the line is in the lines file; nil when it is in the entry itself.
    var lineAt: Int?

    init(_ raw: Span<UInt8>, at offset: Int, of path: String) throws {
        guard let kind = RecordKind(rawValue: raw[offset]) else {
            throw StateError.damagedSpill(detail: "'\(path)' has an entry of no known kind")
        }
        func word(_ at: Int) -> UInt64 { raw.loadLittleEndian(UInt64.self, at: offset + at) }
        func half(_ at: Int) -> Int { Int(raw.loadLittleEndian(UInt32.self, at: offset + at)) }
        self.kind = kind
        key = StableHash128(hi: word(1), lo: word(9))
        content = StableHash128(hi: word(17), lo: word(25))
        sequence = Int(word(33))
        keyLength = half(41)
        lineLength = half(45)
        lineAt = word(49) == UInt64.max ? nil : Int(word(49))
    }
}

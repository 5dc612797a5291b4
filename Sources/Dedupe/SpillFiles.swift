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
    var line: Range<Int>
}

/// Hash-partitions records into 64 files so each partition can be grouped in memory: input of
/// any size is processed in pieces of bounded size (a piece too large is split again).
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
    private(set) var sizes = [Int](repeating: 0, count: SpillWriter.fanout)

    init(directory: String, level: Int) throws {
        self.directory = directory
        self.level = level
        try FileTree.makeDirectory(directory)
        for p in 0..<Self.fanout {
            parts.append(Part(try ByteSink(path: path(p), flushThreshold: 1 << 15)))
        }
    }

    func path(_ partition: Int) -> String { "\(directory)/p\(partition)" }

    static let headerSize = 49

    func append(
        kind: RecordKind, key: StableHash128, content: StableHash128, sequence: Int,
        keyText: Span<UInt8>, line: Span<UInt8>
    ) throws {
        let p = key.partition(level: level)
        let part = parts[p]
        try part.withBuffer { buffer in
            buffer.append(kind.rawValue)
            buffer.appendLittleEndian(key.hi)
            buffer.appendLittleEndian(key.lo)
            buffer.appendLittleEndian(content.hi)
            buffer.appendLittleEndian(content.lo)
            buffer.appendLittleEndian(UInt64(sequence))
            buffer.appendLittleEndian(UInt32(keyText.count))
            buffer.appendLittleEndian(UInt32(line.count))
            buffer.append(contentsOf: keyText)
            buffer.append(contentsOf: line)
            try part.sink.maybeFlush(&buffer)
        }
        sizes[p] += Self.headerSize + keyText.count + line.count
    }

    func close() throws {
        for part in parts { try part.sink.flush(&part.buffer) }
        parts.removeAll()
    }

    /// Reads a partition file back: its bytes and the entries pointing into them.
    static func read(_ path: String) throws -> (bytes: [UInt8], entries: [SpillEntry]) {
        let bytes = try TextFile.readBytes(path, limit: Int.max)
        var entries: [SpillEntry] = []
        let raw = bytes.span
        do {
            var offset = 0
            while offset + headerSize <= raw.count {
                guard let kind = RecordKind(rawValue: raw[offset]) else {
                    throw OutputError.writeFailed(destination: path, errno: EIO)
                }
                func word(_ at: Int) -> UInt64 { raw.loadLittleEndian(UInt64.self, at: offset + at) }
                func half(_ at: Int) -> Int { Int(raw.loadLittleEndian(UInt32.self, at: offset + at)) }
                let keyLength = half(41)
                let lineLength = half(45)
                let keyStart = offset + headerSize
                entries.append(
                    SpillEntry(
                        kind: kind, key: StableHash128(hi: word(1), lo: word(9)), sequence: Int(word(33)),
                        content: StableHash128(hi: word(17), lo: word(25)),
                        keyText: keyStart..<keyStart + keyLength,
                        line: keyStart + keyLength..<keyStart + keyLength + lineLength))
                offset = keyStart + keyLength + lineLength
            }
        }
        return (bytes, entries)
    }
}

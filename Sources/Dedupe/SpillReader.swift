import Hashing
import SyncCore
import StreamIO

/// Streams the entries of a spill file (for re-partitioning a piece that is too large).
struct SpillReader: ~Copyable {
    private var reader: ChunkReader

    init(path: String) throws(InputError) { reader = try ChunkReader(path: path) }

    struct Record: ~Copyable {
        var kind: RecordKind
        var key: StableHash128
        var sequence: Int
        var content: StableHash128
        var keyText: [UInt8]
        /// The line itself; empty when it is in the lines file (`external`), at `lineAt`.
        var line: [UInt8]
        var lineCount: Int
        var lineAt: Int
        var external: Bool
    }

    mutating func next() throws -> Record? {
        guard let header = try reader.next(SpillWriter.headerSize) else { return nil }
        let raw = header.span
        func word(_ at: Int) -> UInt64 { raw.loadLittleEndian(UInt64.self, at: at) }
        func half(_ at: Int) -> Int { Int(raw.loadLittleEndian(UInt32.self, at: at)) }
        guard let kind = RecordKind(rawValue: raw[0]) else {
            throw StateError.damagedSpill(detail: "a spill file has an entry of no known kind")
        }
        let (key, content, sequence, keyLength, lineLength, lineAt) = (
            StableHash128(hi: word(1), lo: word(9)), StableHash128(hi: word(17), lo: word(25)),
            Int(word(33)), half(41), half(45), word(49)
        )
        let external = lineAt != UInt64.max
        let keyText = Array(try reader.next(keyLength) ?? [])
        let line = external ? [] : Array(try reader.next(lineLength) ?? [])
        return Record(
            kind: kind, key: key, sequence: sequence, content: content, keyText: keyText, line: line,
            lineCount: lineLength, lineAt: external ? Int(lineAt) : 0, external: external)
    }
}

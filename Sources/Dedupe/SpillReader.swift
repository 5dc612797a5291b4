import SyncCore
import StreamIO

/// Streams the entries of a spill file (for re-partitioning a piece that is too large).
struct SpillReader: ~Copyable {
    private var reader: ChunkReader

    init(path: String) throws(InputError) { reader = try ChunkReader(path: path) }

    struct Record {
        var kind: RecordKind
        var key: StableHash128
        var sequence: Int
        var content: StableHash128
        var keyText: [UInt8]
        var line: [UInt8]
    }

    mutating func next() throws -> Record? {
        guard let header = try reader.next(SpillWriter.headerSize) else { return nil }
        let raw = header.span
        func word(_ at: Int) -> UInt64 { raw.loadLittleEndian(UInt64.self, at: at) }
        func half(_ at: Int) -> Int { Int(raw.loadLittleEndian(UInt32.self, at: at)) }
        guard let kind = RecordKind(rawValue: raw[0]) else {
            throw InputError.readFailed(source: "spill file", errno: 5)
        }
        let (key, content, sequence, keyLength, lineLength) = (
            StableHash128(hi: word(1), lo: word(9)), StableHash128(hi: word(17), lo: word(25)),
            Int(word(33)), half(41), half(45)
        )
        let keyText = Array(try reader.next(keyLength) ?? [])
        let line = Array(try reader.next(lineLength) ?? [])
        return Record(kind: kind, key: key, sequence: sequence, content: content, keyText: keyText, line: line)
    }
}

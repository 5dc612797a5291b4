import SyncCore

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
        let record: (RecordKind, StableHash128, StableHash128, Int, Int, Int)? = header.withUnsafeBytes { raw in
            guard let kind = RecordKind(rawValue: raw[0]) else { return nil }
            func word(_ at: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
            func half(_ at: Int) -> Int { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
            return (kind, StableHash128(hi: word(1), lo: word(9)), StableHash128(hi: word(17), lo: word(25)), Int(word(33)), half(41), half(45))
        }
        guard let (kind, key, content, sequence, keyLength, lineLength) = record else { throw InputError.readFailed(source: "spill file", errno: 5) }
        let keyText = Array(try reader.next(keyLength) ?? [])
        let line = Array(try reader.next(lineLength) ?? [])
        return Record(kind: kind, key: key, sequence: sequence, content: content, keyText: keyText, line: line)
    }
}

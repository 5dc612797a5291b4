import Hashing
import SyncCore
import StreamIO

/// Streams the entries of a spill file (for re-partitioning a piece that is too large).
struct SpillReader: ~Copyable {
    private var reader: ChunkReader
    private let path: String

    init(path: String) throws(InputError) {
        reader = try ChunkReader(path: path)
        self.path = path
    }

    struct Record: ~Copyable {
        var header: SpillHeader
        var keyText: [UInt8]
        /// The line itself; empty when it is in the lines file (`header.lineAt`).
        var line: [UInt8]
    }

    mutating func next() throws -> Record? {
        guard let raw = try reader.next(SpillWriter.headerSize) else { return nil }
        let header = try SpillHeader(raw.span, at: 0, of: path)
        let keyText = Array(try reader.next(header.keyLength) ?? [])
        let line = header.lineAt == nil ? Array(try reader.next(header.lineLength) ?? []) : []
        return Record(header: header, keyText: keyText, line: line)
    }
}

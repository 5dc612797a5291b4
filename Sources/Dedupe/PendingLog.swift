import Hashing
import JSONCodec
import SyncCore

#if canImport(Glibc)
    import Glibc
#endif

/// What a run sent, kept beside the state file until `commit` applies the run's acks:
/// fixed 33-byte entries (kind, key hash, content hash). The state itself is not touched by a
/// run, so a run that is never committed leaves it exactly as it was. A `retired` entry names a
/// retry-queue record the run took in and settled without sending (a duplicate, unchanged, or
/// an event with no key), so commit can drop it from the queue.
struct PendingLog {
    static let entrySize = 33

    struct Entry: Equatable {
        var kind: RecordKind
        var key: StableHash128
        var content: StableHash128
        var retired = false
    }

    static let retiredFlag: UInt8 = 0x80

    static func directory(forState path: String) -> String { path + ".pending" }

    static func path(forState state: String, run: String) -> String { directory(forState: state) + "/" + run + ".bin" }

    /// Run ids become file names: keep them to a safe alphabet.
    static func validate(run: String) throws(StateError) {
        let allowed = run.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.:".unicodeScalars.contains($0))
        }
        guard !run.isEmpty, run.count <= 128, allowed, !run.hasPrefix(".") else {
            throw .invalidRunID(run)
        }
    }

    static func append(_ entry: Entry, to buffer: inout ByteBuffer) {
        buffer.append(entry.kind.rawValue | (entry.retired ? retiredFlag : 0))
        buffer.appendLittleEndian(entry.key.hi)
        buffer.appendLittleEndian(entry.key.lo)
        buffer.appendLittleEndian(entry.content.hi)
        buffer.appendLittleEndian(entry.content.lo)
    }

    static func decode(_ raw: Span<UInt8>, at offset: Int) -> Entry? {
        guard let kind = RecordKind(rawValue: raw[offset] & ~retiredFlag) else { return nil }
        func word(_ k: Int) -> UInt64 { raw.loadLittleEndian(UInt64.self, at: offset + 1 + 8 * k) }
        return Entry(
            kind: kind, key: StableHash128(hi: word(0), lo: word(1)), content: StableHash128(hi: word(2), lo: word(3)),
            retired: raw[offset] & retiredFlag != 0)
    }
}

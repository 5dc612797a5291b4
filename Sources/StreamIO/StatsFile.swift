import JSONCodec

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Writes a tool's end-of-run counts as one JSON object (`--stats FILE`), atomically, so the
/// driver never reads half a file.
public enum StatsFile {
    public static func write(_ stats: JSONObject, to path: String) throws(OutputError) {
        var w = JSONWriter(capacity: 512)
        w.writeObject(stats)
        w.writeByte(0x0A)
        try AtomicFile.write(&w.bytes, to: path)
    }
}

extension JSONValue {
    /// A count as a stats file holds it.
    public static func count(_ value: Int) -> JSONValue { .number(String(value)) }

    /// Counts by name (reject codes), in name order.
    public static func counts(_ byName: [String: Int]) -> JSONValue {
        .object(JSONObject(byName.sorted { $0.key < $1.key }.map { ($0.key, .count($0.value)) }))
    }

    /// Seconds to the millisecond.
    public static func seconds(_ value: Double) -> JSONValue { .number(String(Double(Int(value * 1000)) / 1000)) }
}

/// Replaces a file's content through a temporary file, fsync and rename: readers see the old
/// content or the new, never part of it, and a write that fails (a full disk) leaves neither the
/// temporary file nor a changed file behind.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws(OutputError) {
        var buffer = ByteBuffer(capacity: bytes.count)
        buffer.append(contentsOf: bytes)
        try write(&buffer, to: path)
    }

    /// The same for bytes already in a buffer (emptied), without copying them first.
    public static func write(_ buffer: inout ByteBuffer, to path: String) throws(OutputError) {
        let temp = path + ".tmp.\(getpid())"
        do throws(OutputError) {
            let sink = try ByteSink(path: temp)
            try sink.flush(&buffer)
            try sink.commit(renaming: temp, to: path)
        } catch {
            unlink(temp)
            throw error
        }
    }
}

/// Member names of the `--stats` files that more than one stage writes and the driver sums
/// across stages: one spelling each (docs/streams.md, "Counts").
public enum StatsKey: String, Sendable {
    /// Which stage wrote the file.
    case tool
    /// Records the stage read, and wrote on.
    case recordsIn, recordsOut
    /// Rows or records the stage rejected, in total and by reject code.
    case rejected, rejectedByCode
}

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
        try AtomicFile.write(w.bytes.array, to: path)
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

/// Replaces a file's content through a temporary file, fsync and rename.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws(OutputError) {
        let temp = path + ".tmp.\(getpid())"
        let sink = try ByteSink(path: temp)
        var copy = ByteBuffer(capacity: bytes.count)
        copy.append(contentsOf: bytes)
        try sink.flush(&copy)
        guard fsync(sink.fd) == 0 else { throw .writeFailed(destination: "'\(temp)'", errno: errno) }
        guard rename(temp, path) == 0 else { throw .writeFailed(destination: "'\(path)'", errno: errno) }
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

import JSONCodec
import SyncCore
#if canImport(Glibc)
import Glibc
#endif

/// cv-dedupe's filter: records in, new and changed records out, what was sent logged as pending.
public enum DedupeRun {
    public static func run(_ configuration: DedupeConfiguration, output: ByteSink, diagnostics: Diagnostics) throws -> DedupeStats {
        let state = try DedupeState(path: configuration.statePath)
        if try state.isCommitted(run: configuration.run) {
            throw ConfigurationError("run '\(configuration.run)' was already committed to \(configuration.statePath); use a new run id")
        }
        let work = configuration.statePath + ".work.\(getpid())"
        defer { FileTree.remove(work) }
        var stats = DedupeStats()
        var writer = JSONWriter(capacity: output.flushThreshold + (1 << 14))
        let spill = try spillInput(configuration, to: work, writer: &writer, output: output, stats: &stats, diagnostics: diagnostics)

        let pendingDir = PendingLog.directory(forState: configuration.statePath)
        guard mkdir(pendingDir, 0o700) == 0 || errno == EEXIST else { throw OutputError.openFailed(path: pendingDir, errno: errno) }
        let pendingPath = PendingLog.path(forState: configuration.statePath, run: configuration.run)
        var out = PartitionProcessor.Output(writer: writer, sink: output, pending: ByteBuffer(capacity: 1 << 16),
                                            pendingSink: try ByteSink(path: pendingPath + ".tmp"))
        let bloom = try state.loadBloom()
        let stateRows = try state.ackedCount()
        do {
            for p in 0..<SpillWriter.fanout {
                try processPiece(spill.path(p), level: 0, prefix: UInt64(p), state: state, bloom: bloom, stateRows: stateRows,
                                 configuration: configuration, output: &out, stats: &stats)
            }
            try output.flush(&out.writer.bytes)
        } catch let error as OutputError where error == .closedPipe {
            // The reader went away; nothing more can be sent, and nothing is marked pending for it.
        }
        try out.pendingSink.flush(&out.pending)
        guard fsync(out.pendingSink.fd) == 0, rename(pendingPath + ".tmp", pendingPath) == 0 else {
            throw OutputError.writeFailed(destination: "'\(pendingPath)'", errno: errno)
        }
        return stats
    }

    /// Phase one: every record is identified and spilled to its partition; events without an
    /// eventId cannot be de-duplicated and go straight out.
    private static func spillInput(_ configuration: DedupeConfiguration, to work: String, writer: inout JSONWriter,
                                   output: ByteSink, stats: inout DedupeStats, diagnostics: Diagnostics) throws -> SpillWriter {
        var reader = NDJSONReader(lines: try LineReader(path: configuration.inputPath))
        let rejects = try RejectLog(path: configuration.rejectsPath, diagnostics: diagnostics, location: reader.sourceName)
        let spill = try SpillWriter(directory: work, level: 0)
        var hasher = CanonicalHasher()
        while let line = try reader.next() {
            switch line {
            case .blank:
                stats.blankLines += 1
            case .invalid(let error, let raw):
                stats.recordsIn += 1
                try rejects.add(Reject(stage: "dedupe", row: reader.lineNumber, code: "invalid_record", message: reader.describe(error)),
                                input: nil, rawInput: raw)
            case .object(let raw):
                stats.recordsIn += 1
                let identity: RecordIdentity.Identity
                do throws(RecordIdentity.Failure) {
                    identity = try RecordIdentity.identify(reader.tape)
                } catch {
                    guard case .invalid(let message) = error else { continue }
                    try rejects.add(Reject(stage: "dedupe", row: reader.lineNumber, code: "invalid_record", message: message), input: raw)
                    continue
                }
                guard let key = identity.key else {
                    writer.writeRaw(raw)
                    writer.writeByte(0x0A)
                    stats.recordsOut += 1
                    try output.maybeFlush(&writer.bytes)
                    continue
                }
                // A contact's content hash is taken now, from the tape already parsed.
                let content = identity.kind == .contact
                    ? hasher.hash(reader.tape, at: 0, skipping: PartitionProcessor.contactBookkeepingBytes)
                    : StableHash128(hi: 0, lo: 0)
                var keyText = key
                try keyText.withUTF8 { k in
                    try spill.append(kind: identity.kind, key: StableHash128(UnsafeRawBufferPointer(k)), content: content,
                                     sequence: reader.lineNumber, keyText: k, line: raw)
                }
            }
        }
        try spill.close()
        try rejects.flush()
        stats.rejected = rejects.total
        return spill
    }

    /// Phase two: a piece small enough is grouped in memory; a larger one is split by the next
    /// six bits of the key hash and each part processed the same way.
    private static func processPiece(_ path: String, level: Int, prefix: UInt64, state: DedupeState, bloom: BloomFilter, stateRows: Int,
                                     configuration: DedupeConfiguration, output: inout PartitionProcessor.Output,
                                     stats: inout DedupeStats) throws {
        var info = stat()
        guard stat(path, &info) == 0, info.st_size > 0 else { return }
        let bits = 6 * (level + 1)
        if Int(info.st_size) > configuration.partitionBudget && level < 9 {
            let sub = SpillWriter.self
            let splitter = try sub.init(directory: path + ".split", level: level + 1)
            var reader = try SpillReader(path: path)
            while let r = try reader.next() {
                try r.keyText.withUnsafeBufferPointer { k in
                    try r.line.withUnsafeBufferPointer { l in
                        try splitter.append(kind: r.kind, key: r.key, content: r.content, sequence: r.sequence, keyText: k, line: l)
                    }
                }
            }
            try splitter.close()
            unlink(path)
            for p in 0..<SpillWriter.fanout {
                try processPiece(splitter.path(p), level: level + 1, prefix: prefix << 6 | UInt64(p), state: state, bloom: bloom,
                                 stateRows: stateRows, configuration: configuration, output: &output, stats: &stats)
            }
            return
        }
        let (bytes, entries) = try SpillWriter.read(path)
        let lower = StableHash128(hi: prefix << UInt64(64 - bits), lo: 0)
        let next = (prefix + 1) << UInt64(64 - bits)
        let upper = next == 0 ? nil : StableHash128(hi: next, lo: 0)
        let processor = PartitionProcessor(state: state, bloom: bloom, changedOnly: configuration.changedOnly,
                                           range: (lower, upper), expectedStateRows: stateRows >> bits)
        try processor.process(bytes: bytes, entries: entries, output: &output, stats: &stats)
        unlink(path)
    }
}

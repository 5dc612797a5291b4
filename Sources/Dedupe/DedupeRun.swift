import JSONCodec
import SyncCore
import StreamIO

#if canImport(Glibc)
    import Glibc
#endif

/// cv-dedupe's filter: records in, new and changed records out, what was sent logged as pending.
public enum DedupeRun {
    public static func run(_ configuration: DedupeConfiguration, output: ByteSink, diagnostics: Diagnostics) throws
        -> DedupeStats
    {
        let state = try DedupeState(path: configuration.statePath)
        if try state.isCommitted(run: configuration.run) {
            throw StateError.runAlreadyCommitted(run: configuration.run, path: configuration.statePath)
        }
        let work = configuration.statePath + ".work.\(getpid())"
        defer { FileTree.remove(work) }
        let pendingDir = PendingLog.directory(forState: configuration.statePath)
        guard mkdir(pendingDir, 0o700) == 0 || errno == EEXIST else {
            throw OutputError.openFailed(path: pendingDir, errno: errno)
        }
        let pendingPath = PendingLog.path(forState: configuration.statePath, run: configuration.run)
        var stats = DedupeStats()
        var out = PartitionProcessor.Output(
            writer: JSONWriter(capacity: output.flushThreshold + (1 << 14)), sink: output,
            pending: ByteBuffer(capacity: 1 << 16), pendingSink: try ByteSink(path: pendingPath + ".tmp"))
        do {
            let bloom = try state.loadBloom()
            let intake = try Intake(configuration, work: work, bloom: bloom, diagnostics: diagnostics)
            if configuration.retryQueue {
                try state.forEachQueued { text in try intake.takeQueued(text, output: &out, stats: &stats) }
            }
            try intake.takeInput(output: &out, stats: &stats)
            let spill = intake.spill
            let lines = try SpillLines(directory: work)
            let stateRows = try state.ackedCount()
            let changedOnly = configuration.changedOnly
            let processor: @Sendable (Int) -> PartitionProcessor = { p in
                PartitionProcessor(
                    piece: UInt64(p), level: 0, bloom: bloom, changedOnly: changedOnly, stateRows: stateRows,
                    lines: lines)
            }
            let prefetch = PartitionPrefetch(
                paths: (0..<SpillWriter.fanout).map(spill.path), statePath: configuration.statePath,
                budget: configuration.partitionBudget, processor: processor)
            defer { prefetch.finish() }
            for p in 0..<SpillWriter.fanout {
                switch try prefetch.next() {
                case .empty:
                    continue
                case .prepared(let prepared):
                    try processor(p).emit(prepared, output: &out, stats: &stats)
                case .overBudget:
                    try processPiece(
                        spill.path(p), level: 0, prefix: UInt64(p), state: state, processor: processor(p),
                        configuration: configuration, output: &out, stats: &stats)
                }
            }
            try out.flushAll()
        } catch let error as OutputError where error == .closedPipe {
            // The reader went away; nothing more can be sent, and nothing is marked pending for it.
        }
        try out.pendingSink.flush(&out.pending)
        guard fsync(out.pendingSink.fd) == 0, rename(pendingPath + ".tmp", pendingPath) == 0 else {
            throw OutputError.writeFailed(destination: "'\(pendingPath)'", errno: errno)
        }
        return stats
    }

    /// Phase two: a piece small enough is grouped in memory; a larger one is split by the next
    /// six bits of the key hash and each part processed the same way.
    private static func processPiece(
        _ path: String, level: Int, prefix: UInt64, state: DedupeState, processor: PartitionProcessor,
        configuration: DedupeConfiguration, output: inout PartitionProcessor.Output,
        stats: inout DedupeStats
    ) throws {
        var info = stat()
        guard stat(path, &info) == 0, info.st_size > 0 else { return }
        if Int(info.st_size) > configuration.partitionBudget && level < 9,
            let splitter = try split(path, level: level + 1)
        {
            for p in 0..<SpillWriter.fanout {
                try processPiece(
                    splitter.path(p), level: level + 1, prefix: prefix << 6 | UInt64(p), state: state,
                    processor: processor.piece(prefix << 6 | UInt64(p), level: level + 1),
                    configuration: configuration, output: &output, stats: &stats)
            }
            return
        }
        let (bytes, entries) = try SpillWriter.read(path)
        try processor.process(
            bytes: bytes, entries: entries, lookup: state.acknowledged, output: &output, stats: &stats)
        unlink(path)
    }

    /// Splits the piece at `path` by the key hash's next six bits and removes it; nil (the
    /// piece left as it is) when all its records share one key, which no split can divide: one
    /// record larger than the budget is grouped in memory, not split level after level with a
    /// reader of its size open at each one (a 100 MB line took 1.2 GB).
    private static func split(_ path: String, level: Int) throws -> SpillWriter? {
        let splitter = try SpillWriter(directory: path + ".split", level: level)
        var reader = try SpillReader(path: path)
        var first: StableHash128?
        var severalKeys = false
        while let r = try reader.next() {
            if first == nil { first = r.key } else if r.key != first { severalKeys = true }
            try splitter.append(r)
        }
        try splitter.close()
        guard severalKeys else {
            FileTree.remove(path + ".split")
            return nil
        }
        unlink(path)
        return splitter
    }
}

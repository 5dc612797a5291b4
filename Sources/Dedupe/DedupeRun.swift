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
        try FileTree.makeDirectory(pendingDir)
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
            let lines = try ReadOnlyFile(path: SpillWriter.linesPath(work))
            let stateRows = try state.ackedCount()
            let changedOnly = configuration.changedOnly
            let processor: @Sendable (Int) -> PartitionProcessor = { p in
                PartitionProcessor(
                    piece: UInt64(p), level: 0, bloom: bloom, changedOnly: changedOnly, stateRows: stateRows,
                    lines: lines)
            }
            let prefetch = PartitionPrefetch(
                spill: spill, statePath: configuration.statePath, budget: configuration.partitionBudget,
                processor: processor)
            defer { prefetch.finish() }
            for p in 0..<SpillWriter.fanout {
                while case .prepared(let prepared) = try prefetch.next(of: p) {
                    try processor(p).emit(prepared, output: &out, stats: &stats)
                }
            }
            try out.flushAll()
        } catch let error as OutputError where error == .closedPipe {
            // The reader went away; nothing more can be sent, and nothing is marked pending for it.
        }
        try out.pendingSink.flush(&out.pending)
        try out.pendingSink.commit(renaming: pendingPath + ".tmp", to: pendingPath)
        return stats
    }
}

import Concurrency
import Hashing
import Dispatch
import SQLiteDatabase
import StreamIO
import SyncCore
import Synchronization

/// Phase two: the top-level partitions, read from their spill files, sorted and looked up in the
/// state by two threads at once (the even partitions and the odd ones, each on a connection of
/// its own), while the calling thread emits them in order. An unchanged resync spends nearly all
/// of phase two on that preparation, when the stages before cv-dedupe have finished and both
/// cores are free. A partition whose records would take more than half the budget in memory is
/// split by the next six bits of the key hash, on the same thread, and its parts handed over one
/// by one in key order: 10M contacts make partitions of 12 MB on disk and four times that in
/// memory, and a split on the emitting thread left one core idle for most of phase two. At most
/// five pieces are in memory (one being emitted, and per thread one handed over and one being
/// prepared).
final class PartitionPrefetch: Sendable {
    enum Piece: Sendable {
        case prepared(PartitionProcessor.Prepared)
        /// The partition's last piece was handed over.
        case end
    }

    static let threads = 2
    /// Bytes a spilled entry takes in memory beside its bytes on disk (the entry, its sort key,
    /// its group and its state lookup).
    static let entryOverhead = 160
    private let queues = (0..<threads).map { _ in BlockingQueue<Result<Piece, any Error>>(capacity: 1) }
    private let stopped = Atomic<Bool>(false)
    private let done = DispatchGroup()

    /// Starts preparing the partitions of `spill`, each with `processor(partition)`, on
    /// connections of their own to the state at `statePath`.
    init(
        spill: SpillWriter, statePath: String, budget: Int,
        processor: @escaping @Sendable (Int) -> PartitionProcessor
    ) {
        let paths = (0..<SpillWriter.fanout).map(spill.path)
        let counts = spill.counts
        for thread in 0..<Self.threads {
            DispatchQueue.global().async(group: done) { [self] in
                let queue = queues[thread]
                do {
                    // Its reads are range scans in key order: a small page cache serves them.
                    let database = try DedupeState.open(statePath, cacheMiB: 2)
                    for p in stride(from: thread, to: paths.count, by: Self.threads) {
                        try prepare(
                            paths[p], entries: counts[p], level: 0, prefix: UInt64(p), budget: budget / 2,
                            processor: processor(p), database: database, queue: queue)
                        guard !stopped.load(ordering: .relaxed) else { return }
                        queue.push(.success(.end))
                    }
                } catch {
                    queue.push(.failure(error))
                }
            }
        }
    }

    /// The next piece of `partition` (partitions are taken in order), `.end` after its last;
    /// rethrows what preparing it threw.
    func next(of partition: Int) throws -> Piece {
        guard let result = queues[partition % Self.threads].pop() else { return .end }
        return try result.get()
    }

    /// Stops the preparing threads and waits for them (before the spill files are removed).
    func finish() {
        stopped.store(true, ordering: .relaxed)
        for queue in queues { queue.close() }
        done.wait()
    }

    private func prepare(
        _ path: String, entries: Int, level: Int, prefix: UInt64, budget: Int, processor: PartitionProcessor,
        database: Database, queue: BlockingQueue<Result<Piece, any Error>>
    ) throws {
        guard !stopped.load(ordering: .relaxed) else { return }
        guard let size = FileTree.size(path), size > 0 else { return }
        if size + entries * Self.entryOverhead > budget && level < 9,
            let splitter = try Self.split(path, level: level + 1)
        {
            for p in 0..<SpillWriter.fanout {
                let part = prefix << 6 | UInt64(p)
                try prepare(
                    splitter.path(p), entries: splitter.counts[p], level: level + 1, prefix: part, budget: budget,
                    processor: processor.piece(part, level: level + 1), database: database, queue: queue)
            }
            FileTree.remove(splitter.directory)
            return
        }
        let (bytes, spilled) = try SpillWriter.read(path)
        let prepared = try processor.prepare(bytes: bytes, entries: spilled) { keys, range, rows in
            try DedupeState.acknowledged(keys, range: range, expectedRows: rows, in: database)
        }
        FileTree.remove(path)
        queue.push(.success(.prepared(prepared)))
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
            if first == nil { first = r.header.key } else if r.header.key != first { severalKeys = true }
            try splitter.append(r)
        }
        try splitter.close()
        guard severalKeys else {
            FileTree.remove(path + ".split")
            return nil
        }
        FileTree.remove(path)
        return splitter
    }
}

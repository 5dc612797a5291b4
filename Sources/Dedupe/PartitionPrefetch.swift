import Dispatch
import SQLiteDatabase
import SyncCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Phase two's top-level partitions, read from their spill files, sorted and looked up in the
/// state by two threads at once (the even partitions and the odd ones, each on a connection of
/// its own), while the calling thread emits them in order. An unchanged resync spends nearly
/// all of phase two on that preparation, when the stages before cv-dedupe have finished and
/// both cores are free. At most five partitions are in memory (one being emitted, and per
/// thread one handed over and one being prepared), each within the partition budget; a
/// partition over the budget is left to the emitting thread, which splits it as before.
final class PartitionPrefetch: Sendable {
    enum Piece: Sendable {
        case empty
        case overBudget
        case prepared(PartitionProcessor.Prepared)
    }

    static let threads = 2
    private let queues = (0..<threads).map { _ in BlockingQueue<Result<Piece, any Error>>(capacity: 1) }
    private let taken = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let done = DispatchGroup()

    /// Starts preparing `paths`, each with `processor(partition)`, on connections of their own
    /// to the state at `statePath`.
    init(
        paths: [String], statePath: String, budget: Int,
        processor: @escaping @Sendable (Int) -> PartitionProcessor
    ) {
        for thread in 0..<Self.threads {
            DispatchQueue.global().async(group: done) { [self] in
                let queue = queues[thread]
                do {
                    // Its reads are range scans in key order: a small page cache serves them.
                    let database = try DedupeState.open(statePath, cacheMiB: 2)
                    for p in stride(from: thread, to: paths.count, by: Self.threads) {
                        guard !stopped.load(ordering: .relaxed) else { return }
                        queue.push(
                            Result {
                                try Self.prepare(paths[p], budget: budget, processor: processor(p), database: database)
                            })
                    }
                } catch {
                    queue.push(.failure(error))
                }
            }
        }
    }

    /// The next partition, in order; rethrows what preparing it threw.
    func next() throws -> Piece {
        let p = taken.add(1, ordering: .relaxed).oldValue
        guard let result = queues[p % Self.threads].pop() else { return .empty }
        return try result.get()
    }

    /// Stops the preparing threads and waits for them (before the spill files are removed).
    func finish() {
        stopped.store(true, ordering: .relaxed)
        for queue in queues { queue.close() }
        done.wait()
    }

    private static func prepare(_ path: String, budget: Int, processor: PartitionProcessor, database: Database)
        throws -> Piece
    {
        var info = stat()
        guard stat(path, &info) == 0, info.st_size > 0 else { return .empty }
        guard Int(info.st_size) <= budget else { return .overBudget }
        let (bytes, entries) = try SpillWriter.read(path)
        let prepared = try processor.prepare(bytes: bytes, entries: entries) { keys, range, rows in
            try DedupeState.acknowledged(keys, range: range, expectedRows: rows, in: database)
        }
        unlink(path)
        return .prepared(prepared)
    }
}

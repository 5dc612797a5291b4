import StreamIO

/// `KEEP_RUNS`: only the newest run folders stay, newest by run order (never by a clock). A
/// run whose pending log is not committed yet stays. What a pruned run was is still in the
/// history, and its retryable records are in the retry queue.
public enum RunPruning {
    /// Removes the folders beyond the newest `keep`; returns the ones removed.
    @discardableResult
    public static func prune(stateFolder: String, keep: Int) -> [String] {
        let runs = RunSequence.ordered(FileTree.names(in: stateFolder + "/runs"))
        var removed: [String] = []
        for run in runs.dropLast(keep) {
            let pending = stateFolder + "/dedupe.db.pending/" + run + ".bin"
            if FileTree.exists(pending) || FileTree.exists(pending + ".tmp") { continue }
            FileTree.remove(stateFolder + "/runs/" + run)
            removed.append(run)
        }
        return removed
    }
}

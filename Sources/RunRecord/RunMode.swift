/// What a run fed into the pipeline: a query's rows (extract), or a saved file of rows or of
/// records (a replay or a retry, which start at cv-map or at cv-dedupe).
public enum RunMode: String, Sendable, CaseIterable {
    case extract, rows, records
}

/// How a run ended, as the history says it.
public enum RunStatus: String, Sendable, CaseIterable {
    case succeeded
    /// It ran; some rows or records were rejected.
    case partiallyFailed = "partially_failed"
    case failed
    /// Stopped by a signal; its acks were committed.
    case cancelled
    /// Its driver died; the next run committed its acks.
    case interrupted
    /// The previous run still held the lock.
    case skipped

    /// Whether the sync needs someone: what an alert is about.
    public var isProblem: Bool { self == .failed || self == .partiallyFailed }
}

import TimeFormats

/// The Prometheus text format (node_exporter's textfile collector reads it) for a sync home:
/// per sync, its last scheduled run and totals over its whole history, which only grow.
public enum Metrics {
    public static func text(syncs: [(name: String, history: [HistoryLine])]) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Int64)]) {
            out += "# HELP cv_sync_\(name) \(help)\n# TYPE cv_sync_\(name) \(type)\n"
            for sample in samples { out += "cv_sync_\(name){\(sample.labels)} \(sample.value)\n" }
        }
        func label(_ sync: String) -> String { "sync=\"\(escaped(sync))\"" }
        let lasts = syncs.compactMap { sync in History.lastScheduled(sync.history).map { (sync.name, $0) } }
        let statuses = RunStatus.allCases.map(\.rawValue)
        family(
            "last_run_status", "gauge", "1 for the status of the sync's last scheduled run, 0 for the others.",
            lasts.flatMap { name, line in
                statuses.map { ("\(label(name)),status=\"\($0)\"", line.status == $0 ? 1 : 0) }
            })
        family(
            "last_run_timestamp_seconds", "gauge", "When the last scheduled run ended, Unix seconds.",
            lasts.compactMap { name, line in epoch(line.end ?? line.start).map { (label(name), $0) } })
        family(
            "last_success_timestamp_seconds", "gauge",
            "When the last run that did not fail ended (succeeded or partially failed), Unix seconds.",
            syncs.compactMap { sync in
                sync.history.last { $0.runStatus == .succeeded || $0.runStatus == .partiallyFailed }
                    .flatMap { epoch($0.end ?? $0.start) }.map { (label(sync.name), $0) }
            })
        family(
            "last_run_duration_seconds", "gauge", "How long the last scheduled run took.",
            lasts.map { (label($0.0), Int64($0.1.durationSeconds)) })
        let counts: [(String, HistoryLine.Count, String)] = [
            ("rows", .rowsExtracted, "rows extracted"), ("records_sent", .recordsSent, "records sent"),
            ("records_succeeded", .succeeded, "records Conversion accepted"),
            ("records_failed", .failed, "rows and records rejected"),
        ]
        for (name, count, what) in counts {
            family(
                "last_run_\(name)", "gauge", "The last scheduled run's \(what).",
                lasts.map { (label($0.0), Int64($0.1[count])) })
        }
        family(
            "retry_queue_size", "gauge", "Records waiting in the sync's retry queue after its last run.",
            syncs.compactMap { sync in sync.history.last.map { (label(sync.name), Int64($0[.retryQueueSize])) } })
        family(
            "runs_total", "counter", "Runs recorded in the sync's history, by status.",
            syncs.flatMap { sync in
                statuses.map { status in
                    (
                        "\(label(sync.name)),status=\"\(status)\"",
                        Int64(sync.history.filter { $0.status == status }.count)
                    )
                }
            })
        for (name, count, what) in counts {
            family(
                "\(name)_total", "counter", "All runs' \(what).",
                syncs.map { sync in (label(sync.name), Int64(sync.history.reduce(0) { $0 + $1[count] })) })
        }
        return out
    }

    static func epoch(_ text: String?) -> Int64? { text.flatMap(UTCTimestamp.epochSeconds) }

    /// Label values escape backslash, double quote and newline.
    static func escaped(_ text: String) -> String { text.escaping(["\\": "\\\\", "\"": "\\\"", "\n": "\\n"]) }
}

import ArgumentParser
import RunRecord
import SyncCore
import TimeFormats
import ToolRuntime

#if canImport(Glibc)
    import Glibc
#endif

struct Instant: ToolCommand {
    static let toolName = "cv-run"
    static let configuration = CommandConfiguration(
        abstract:
            "Record a run that ended where it began: skipped (the previous run holds the lock) or refused for its "
            + "sync file. A refusal that repeats the last one is not recorded again, nor alerted. Exits 3 when "
            + "an alert is due.")

    @OptionGroup var options: SyncOptions
    var state: String { options.state }
    var sync: String { options.sync }

    @Option(name: .long, help: "skipped, or failed (a sync file that cannot run).")
    var status: RunStatus

    @Option(name: .long, help: "Why: the reason of a skip, the error of a refusal.")
    var why: String

    @Option(name: .long, help: "Where to write the alert (a JSON body for NOTIFY_URL) when one is due.")
    var alertFile: String?

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        let now = Int64(time(nil))
        let stamp = UTCTimestamp.rfc3339(epochSeconds: now)
        let kind = status == .skipped ? "skipped" : "invalid"
        var line = HistoryLine(
            run: kind + "-" + stamp.filter { $0 != "-" && $0 != ":" }, status: status.rawValue)
        (line.start, line.end) = (stamp, stamp)
        if status == .skipped { line.reason = why } else { line.error = why }
        let history = History(stateFolder: state)
        let lines = try history.lines()
        // Every minute's `due` meets the same broken file: one line and one alert for it.
        if status == .failed, let last = lines.last, last.run.hasPrefix("invalid-"), last.error == why {
            return .success
        }
        try history.append(line)
        let summary = "\(sync): \(status.rawValue): \(why)"
        if let alert = Alert.decide(previous: History.lastScheduled(lines), current: line, summary: summary) {
            try AlertFile.due(alert, line: line, sync: sync, to: alertFile)
        }
        return .success
    }
}

struct Interrupted: ToolCommand {
    static let toolName = "cv-run"
    static let configuration = CommandConfiguration(
        abstract: "Record a run whose driver died, once the next run has committed its acks.")

    @OptionGroup var folder: StateOption
    var state: String { folder.state }

    @Option(name: .long, help: "The run's id.")
    var run: String

    @Option(name: .long, help: "How many acks were committed.")
    var acks: Int

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        var line = HistoryLine(run: run, status: RunStatus.interrupted.rawValue)
        line.seq = RunSequence.sequence(of: run)
        line.start = RunSequence.startTime(of: run)
        line[.succeeded] = acks
        line.error = "the run was stopped before it finished; its acks were committed by the next run"
        try History(stateFolder: state).append(line)
        return .success
    }
}

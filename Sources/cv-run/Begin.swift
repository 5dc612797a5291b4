import ArgumentParser
import RunRecord
import StreamIO
import SyncCore
import ToolRuntime

#if canImport(Glibc)
    import Glibc
#endif

struct Begin: ToolCommand {
    static let toolName = "cv-run"
    static let configuration = CommandConfiguration(
        abstract: "Give a run its id (the sync's next in order) and create its folder; print the id.")

    @Option(name: .long, help: "The sync's state folder (state/NAME); hold its lock.")
    var state: String

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        let (id, _) = try RunSequence.next(stateFolder: state, now: Int64(time(nil)))
        try FileTree.makeDirectory(state + "/runs")
        try FileTree.makeDirectory(state + "/runs/" + id)
        print(id)
        return .success
    }
}

struct Verdict: ToolCommand {
    static let toolName = "cv-run"
    static let configuration = CommandConfiguration(
        abstract:
            "Judge a run that got through its pipeline: its counts must add up, and less than MAX_REJECT_PERCENT "
            + "of its records be rejected. Prints STATUS, the next watermark (0: none) and the reason (none when "
            + "it did not fail), tab-separated.")

    @Option(name: .long, help: "The run's folder, with its stages' stats files and rejects.")
    var runDir: String

    @Option(name: .long, help: "What the run fed in.")
    var mode: RunMode = .extract

    @Option(name: .long, help: "MAX_REJECT_PERCENT of the sync (default 100).")
    var maxRejectPercent = 100

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "A retry or replay by hand: its status says what happened to what could be sent, so rows that still "
                + "cannot be mapped do not fail it."))
    var manual = false

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        let rejects = try RejectsSummary(path: runDir + "/rejects.ndjson")
        let stats = RunStats(folder: runDir)
        let verdict = RunVerdict.judge(
            stats, mode: mode, requeued: rejects.requeued,
            maxRejectPercent: manual ? Int.max : maxRejectPercent, hasRejects: rejects.total > 0)
        let watermark = stats[.extract, "startTime"]
        print(verdict.status.rawValue + "\t" + String(watermark) + "\t" + (verdict.error ?? ""))
        return .success
    }
}

/// The run record's vocabularies as options: the argument parser checks them and names the
/// values they take.
extension RunMode: ExpressibleByArgument {}
extension RunStatus: ExpressibleByArgument {}

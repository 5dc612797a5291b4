import ArgumentParser
import JSONCodec
import RunRecord
import StreamIO
import SyncCore
import ToolRuntime

struct Errors: ToolCommand {
    static let toolName = "cv-run"
    static let configuration = CommandConfiguration(
        abstract:
            "A run's rejects as NDJSON on stdout and a summary by code on stderr (cv-sync errors). Without --run, "
            + "the newest run in run order that was not skipped. A pruned run is said to be pruned, with its "
            + "counts from the history.")

    @OptionGroup var options: SyncOptions
    var state: String { options.state }
    var sync: String { options.sync }

    @Option(name: .long, help: "The run (default: the newest that was not skipped).")
    var run: String?

    @Flag(name: .long, help: "Only print which run that is, and whether its folder is there (present or pruned).")
    var resolve = false

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        let say = Diagnostics(tool: "cv-sync")
        let lines = try History(stateFolder: state).lines()
        let folders = RunSequence.ordered(FileTree.names(in: state + "/runs"))
        guard let run = run ?? lines.last(where: { $0.status != RunStatus.skipped.rawValue })?.run ?? folders.last
        else {
            say.error("no runs of '\(sync)' yet")
            return .failure
        }
        let line = lines.last { $0.run == run }
        let folder = state + "/runs/" + run
        if resolve {
            guard FileTree.exists(folder) || line != nil else {
                say.error("no run '\(run)' of '\(sync)'")
                return .failure
            }
            print(run + "\t" + (FileTree.exists(folder) ? "present" : "pruned"))
            return .success
        }
        guard FileTree.exists(folder) else {
            guard let line else {
                say.error("no run '\(run)' of '\(sync)'")
                return .failure
            }
            say.note(Self.pruned(line, queue: lines.last.map { $0[.retryQueueSize] } ?? 0))
            return .success
        }
        let rejects = try RejectsSummary(path: folder + "/rejects.ndjson")
        guard rejects.total > 0 else {
            if let line, let error = line.error {
                say.error("run \(run) \(line.status): \(error) (it has no rejects)")
            } else {
                say.note("run \(run): no errors")
            }
            return .success
        }
        let sink = ByteSink.standardOutput()
        var copy = ByteBuffer(capacity: 1 << 16)
        var reader = try LineReader(path: folder + "/rejects.ndjson")
        while let bytes = try reader.next() {
            copy.append(contentsOf: bytes)
            copy.append(0x0A)
            try sink.maybeFlush(&copy)
        }
        try sink.flush(&copy)
        say.note("run \(run): \(rejects.total) rejects")
        for entry in rejects.entries { say.note("  \(entry.count) \(entry.stage) \(entry.code)") }
        if let error = line?.error { say.note("the run also failed: \(error)") }
        return .success
    }

    /// KEEP_RUNS removed its folder; the history still says what it was.
    static func pruned(_ line: HistoryLine, queue: Int) -> String {
        var text =
            "run \(line.run) was pruned (KEEP_RUNS): its folder and its rejects file are gone. It was \(line.status)"
        if line[.failed] > 0 {
            let codes = line.rejectsByCode.map { "\($0.count) \($0.code)" }.joined(separator: ", ")
            text += " with \(line[.failed]) rejects" + (codes.isEmpty ? "" : " (\(codes))")
        }
        if let error = line.error { text += "; \(error)" }
        return text + ". Records refused for a retryable reason are in the retry queue (\(queue) waiting now), "
            + "which the next runs send again; the others come back when their rows change"
    }
}

import ArgumentParser
import JSONCodec
import RunRecord
import SyncCore
import ToolRuntime

struct HistoryCommand: ToolCommand {
    static let toolName = "cv-run"
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "The runs of a sync in run order, as a table or (--json) one history line each.")

    @OptionGroup var folder: StateOption
    var state: String { folder.state }

    @Flag(name: .long, help: "NDJSON: the history lines themselves.")
    var json = false

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        let lines = try History(stateFolder: state).lines()
        if json {
            for line in lines { print(line.serialized) }
            return .success
        }
        var table = TextTable(header: [
            "RUN", "START", "SECONDS", "STATUS", "ROWS", "SENT", "SUCCEEDED", "FAILED", "DUPLICATES", "UNCHANGED",
            "MERGED", "RETRIED", "QUEUED", "GAVE_UP", "ERROR",
        ])
        for line in lines {
            let counts: [HistoryLine.Count] = [
                .rowsExtracted, .recordsSent, .succeeded, .failed, .duplicatesSkipped, .unchangedSkipped, .merged,
                .retried, .retryQueued, .gaveUp,
            ]
            table.append(
                [
                    line.run, line.start ?? "-", String(line.durationSeconds),
                    line.status + (line.manual ? "(manual)" : ""),
                ]
                    + counts.map { String(line[$0]) } + [String((line.error ?? line.reason ?? "-").prefix(100))])
        }
        print(table.text, terminator: "")
        return .success
    }
}

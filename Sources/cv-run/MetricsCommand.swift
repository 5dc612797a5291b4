import ArgumentParser
import RunRecord
import StreamIO
import SyncCore
import ToolRuntime

struct MetricsCommand: ToolCommand {
    static let toolName = "cv-run"
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract:
            "Write the Prometheus text format for every sync of a home (node_exporter's textfile collector "
            + "convention), atomically; - prints it.")

    @Option(name: .long, help: "The sync home (CV_SYNC_HOME).")
    var home: String

    @Option(name: .long, help: "A sync to report; repeat for each.")
    var sync: [String] = []

    @Option(name: .long, help: "The file to write (a .prom file in the collector's folder), or - for stdout.")
    var out: String

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        let syncs = try sync.sorted().map { ($0, try History(stateFolder: home + "/state/" + $0).lines()) }
        let text = Metrics.text(syncs: syncs)
        if out == "-" {
            print(text, terminator: "")
        } else {
            try AtomicFile.write(Array(text.utf8), to: out)
        }
        return .success
    }
}

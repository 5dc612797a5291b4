import ArgumentParser
import RunRecord
import StreamIO
import SyncCore
import ToolRuntime

#if canImport(Glibc)
    import Glibc
#endif

struct ReportHTML: ToolCommand {
    static let toolName = "cv-run"
    static let configuration = CommandConfiguration(
        commandName: "report-html",
        abstract: "Write the home's report: one self-contained HTML page (cv-sync report).")

    @Option(name: .long, help: "The sync home (CV_SYNC_HOME).")
    var home: String

    @Option(name: .long, help: "A sync to report; repeat for each.")
    var sync: [String] = []

    @Option(name: .long, help: "The file to write, or - for stdout.")
    var out: String

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        let syncs = try sync.sorted().map { name -> HTMLReport.Sync in
            let state = home + "/state/" + name
            return HTMLReport.Sync(
                name: name, history: try History(stateFolder: state).lines(), examples: examples(state))
        }
        let page = HTMLReport.page(syncs, generated: Int64(time(nil)))
        if out == "-" { print(page, terminator: "") } else { try AtomicFile.write(Array(page.utf8), to: out) }
        return .success
    }

    /// One message per reject code, newest runs first, from the run folders KEEP_RUNS kept.
    private func examples(_ state: String) -> [String: String] {
        var found: [String: String] = [:]
        for run in RunSequence.ordered(FileTree.names(in: state + "/runs")).reversed().prefix(10) {
            guard let summary = try? RejectsSummary(path: state + "/runs/" + run + "/rejects.ndjson") else { continue }
            for entry in summary.entries where found[entry.code] == nil { found[entry.code] = entry.message }
        }
        return found
    }
}

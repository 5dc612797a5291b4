import ArgumentParser
import SyncCore
import ToolRuntime

/// cv-run: what a run of a sync was, kept by one typed record (the driver, cv-sync, holds the
/// lock, runs the pipeline and writes last_sync_time; this tool owns everything else).
@main
struct CvRun: ToolCommand {
    static let toolName = "cv-run"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Keep the record of a sync's runs: ids, status, history, alerts, status and errors.",
        usage: """
            cv-run begin|verdict|record|instant|interrupted … (for cv-sync)
            cv-run history|errors|status|due … (what cv-sync shows)
            cv-run kubernetes --home HOME --image IMAGE --sync NAME=SCHEDULE …
            """,
        discussion: """
            STATE
              A sync's state folder (state/NAME/) holds history.ndjson, one line per run
              (docs/state.md gives its fields), runs/RUN/ with each run's files, and
              run-sequence, the counter that orders runs: run ids sort in run order
              whatever the host clock does (r000042-20261207T170000Z).

            EXIT STATUS
              0  success
              1  a file could not be read or written
              2  usage error
              3  record and instant: recorded, and an alert is due

            EXAMPLES
              cv-run history --state state/people
              cv-run status --home . --sync people=1h --sync orders= --json
            """,
        version: ToolVersion.text,
        subcommands: [
            Begin.self, Verdict.self, Record.self, Instant.self, Interrupted.self, HistoryCommand.self,
            Errors.self, Status.self, Due.self, Report.self, Inputs.self, MetricsCommand.self, ReportHTML.self,
            Kubernetes.self,
        ])

    func execute(diagnostics: Diagnostics) throws -> ExitStatus { .success }

    static func main() { ToolMain.main(CvRun.self) }
}

import ArgumentParser
import Dedupe
import SyncCore

@main
struct CvDedupe: ToolCommand {
    static let toolName = "cv-dedupe"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "De-duplicate records, drop unchanged ones, and remember what Conversion acknowledged.",
        discussion: """
        cv-dedupe [filter] --state DB --run RUN_ID [--changed-only] [FILE]   records in, records to send out
        cv-dedupe commit --state DB --run RUN_ID --acks FILE                 mark a run's acknowledged records as sent
        cv-dedupe forget --state DB [--type contacts|objects|events] --yes   forget what was sent (full resync)
        cv-dedupe stats --state DB                                           what the state holds, as JSON
        cv-dedupe check --state DB                                           exit 2 with the reason when the state is not usable
        """,
        version: "0.1.0",
        subcommands: [Filter.self, Commit.self, Forget.self, Stats.self, Check.self],
        defaultSubcommand: Filter.self)

    func execute(diagnostics: Diagnostics) throws -> ExitStatus { .success }

    static func main() { ToolMain.main(CvDedupe.self) }
}

import ArgumentParser
import Dedupe
import SyncCore
import ToolRuntime

@main
struct CvDedupe: ToolCommand {
    static let toolName = "cv-dedupe"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "De-duplicate records, drop unchanged ones, and remember what Conversion acknowledged.",
        usage: """
            cv-dedupe [filter] --state DB --run RUN_ID [OPTIONS] [FILE]
            cv-dedupe commit --state DB --run RUN_ID --acks FILE [OPTIONS]
            cv-dedupe forget --state DB [--type TYPE] --yes
            cv-dedupe stats|check --state DB
            """,
        discussion: """
            SUBCOMMANDS
              [filter]  records in, the records to send out (the default)
              commit    record a run's acknowledged records as sent; queue retryable ones
              forget    forget what was sent (a full resync sends everything again)
              stats     what the state holds, as JSON
              check     exit 2 with the reason when a state file is not usable
              cv-dedupe SUBCOMMAND --help (and man cv-dedupe) describe each one.

            EXAMPLES
              cv-dedupe --state s.db --run r1 --changed-only records.ndjson >send.ndjson
              cv-dedupe commit --state s.db --run r1 --acks acks.ndjson
              cv-dedupe forget --state s.db --type events --yes
            """,
        version: ToolVersion.text,
        subcommands: [Filter.self, Commit.self, Forget.self, Stats.self, Check.self],
        defaultSubcommand: Filter.self)

    func execute(diagnostics: Diagnostics) throws -> ExitStatus { .success }

    static func main() { ToolMain.main(CvDedupe.self) }
}

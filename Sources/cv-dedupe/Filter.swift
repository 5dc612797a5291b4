import ArgumentParser
import Dedupe
import SyncCore
import ToolRuntime
import StreamIO

struct Filter: StateCommand {
    static let toolName = "cv-dedupe"
    static let configuration = CommandConfiguration(
        commandName: "filter",
        abstract: "Pass on only the records Conversion has not acknowledged yet (the default subcommand).",
        usage: """
            cv-dedupe [filter] --state DB --run RUN_ID [--changed-only]
                      [--retry-queue] [--derive-event-ids] [--rejects FILE]
                      [--stats FILE] [--memory MiB] [FILE]
            """,
        discussion: """
            INPUT
              Records (cv-map's output) from FILE or stdin.

            OUTPUT
              On stdout, the records to send, each with a "key" member that acks must
              carry back. Within the run: events with an eventId already seen are dropped;
              contacts with the same key (userId, else lower-cased email) are merged,
              later rows winning field by field; objects with the same type and id are
              merged, relationships unioned per contact. Across runs: events whose eventId
              was acknowledged are dropped, and with --changed-only so is any record whose
              content equals what Conversion acknowledged. An event without eventId is
              keyed by a hash of its content (two identical events count as one, and one
              acknowledged is not sent again); --derive-event-ids also sends that hash as
              its eventId. Order is not preserved. With
              --retry-queue, the records of DB's retry queue are read first; a fresh
              record with the same key supersedes a queued one (objects keep the queued
              relationships).

            STATE
              Nothing in DB changes here: what was sent is logged as pending
              (DB.pending/RUN_ID.bin) until 'cv-dedupe commit' applies the run's acks. A
              run never committed changes nothing. Pending entries reach the file before
              the records they describe reach stdout. Large inputs are spilled next to DB
              (DB.work.PID/) and processed in bounded pieces.

            EXIT STATUS
              0  success
              1  the run failed (input, output, state database)
              2  usage, or a state file that is empty, damaged or of a newer format

            EXAMPLES
              cv-map --type contacts rows.ndjson |
                cv-dedupe --state state/dedupe.db --run r42 --changed-only |
                cv-load --acks acks.ndjson --rejects rejects.ndjson
              cv-dedupe commit --state state/dedupe.db --run r42 --acks acks.ndjson \\
                --rejects rejects.ndjson
              cv-dedupe stats --state state/dedupe.db | jq .
            """)

    @OptionGroup var stateFile: StateOption
    var state: String { stateFile.state }

    @Option(name: .long, help: "This run's id, used again by commit.")
    var run: String

    @Flag(name: .long, help: "Drop records whose content equals the acknowledged content (recommended).")
    var changedOnly = false

    @Flag(name: .long, help: "Send the records of the state's retry queue again, ahead of the input.")
    var retryQueue = false

    @Flag(name: .long, help: "Give events without an eventId a deterministic one, so they are sent once.")
    var deriveEventIds = false

    @Option(name: .long, help: "Append records that are not valid records to this NDJSON file.")
    var rejects: String?

    @OptionGroup var statsFile: StatsOption

    @Option(name: .long, help: "MiB of records grouped in memory at once.")
    var memory: Int = 16

    @Argument(help: "Input file (default: standard input).")
    var input: String?

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        guard memory >= 1 else { throw ConfigurationError.invalidValue(setting: "--memory", expected: "at least 1") }
        var configuration = try DedupeConfiguration(
            statePath: state, run: run, changedOnly: changedOnly, inputPath: input,
            rejectsPath: rejects, partitionBudget: memory << 20)
        configuration.retryQueue = retryQueue
        configuration.deriveEventIds = deriveEventIds
        let result = try DedupeRun.run(configuration, output: .standardOutput(), diagnostics: diagnostics)
        try statsFile.write(result.json)
        diagnostics.note(result.summary)
        return .success
    }
}

import ArgumentParser
import Dedupe
import JSONCodec
import SyncCore
import ToolRuntime
import StreamIO

#if canImport(Glibc)
    import Glibc
#endif

struct Commit: StateCommand {
    static let toolName = "cv-dedupe"
    static let configuration = CommandConfiguration(
        abstract: "Apply what Conversion said about a run's records to the state; idempotent.",
        usage: """
            cv-dedupe commit --state DB --run RUN_ID --acks FILE [--rejects FILE]
                             [--max-retry-runs N] [--gave-up FILE] [--stats FILE]
            """,
        discussion: """
            Reads cv-load's acks (one per accepted record, with the record's "key" and,
            for objects, "relationshipKeys") and records their content hashes, all in one
            transaction. Commit every run, whatever its outcome: acks are facts.
            A key the run sent without an ack is sent again by the next run; unless
            --rejects shows it was refused for its own data, its stored hash is dropped,
            so it is sent even if the warehouse returns to the value last acknowledged
            (the unconfirmed one may be in Conversion). With --rejects, records refused
            for a retryable reason (contact_not_found, object_type_not_found, 5xx, ...)
            go to the retry queue for the next runs; a record refused on --max-retry-runs
            runs leaves it as a reject gave_up_after_N_runs, written to --gave-up.
            A run killed before it finished is committed from the pending
            entries it wrote. Committing a run twice changes nothing.
            """)

    @OptionGroup var stateFile: StateOption
    var state: String { stateFile.state }

    @Option(name: .long, help: "The run whose acks are applied.")
    var run: String

    @Option(name: .long, help: "cv-load's acks file for this run.")
    var acks: String

    @Option(name: .long, help: "The run's rejects file: retryable load rejects are queued, the rest settle their keys.")
    var rejects: String?

    @Option(name: .long, help: "Runs a record may be refused as retryable before it is given up.")
    var maxRetryRuns = 10

    @Option(name: .long, help: "Append given-up records to this file, as rejects of stage 'retry'.")
    var gaveUp: String?

    @OptionGroup var statsFile: StatsOption

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        guard maxRetryRuns >= 1 else {
            throw ConfigurationError.invalidValue(setting: "--max-retry-runs", expected: "at least 1")
        }
        let options = CommitOptions(
            acksPath: acks, rejectsPath: rejects, maxRetryRuns: maxRetryRuns, gaveUpPath: gaveUp)
        let result = try DedupeState(path: state).commit(run: run, options)
        if result.alreadyCommitted {
            diagnostics.note("run '\(run)' was already committed; nothing changed")
        } else {
            diagnostics.note(
                "run '\(run)': \(result.acknowledged) keys acknowledged, \(result.unacknowledged) left to send again"
                    + (result.unknownAcks > 0
                        ? ", \(result.unknownAcks) acks for keys the run did not send ignored" : "")
                    + (result.invalidated > 0
                        ? ", \(result.invalidated) of them whatever their content (outcome unknown)" : "")
                    + (result.queued + result.gaveUp + result.queueSize > 0
                        ? "; retry queue: \(result.queued) queued, \(result.gaveUp) given up, \(result.queueSize) "
                            + "waiting"
                        : ""))
        }
        try statsFile.write(
            [
                StatsKey.tool.rawValue: .string("cv-dedupe commit"), "acknowledged": .count(result.acknowledged),
                "unacknowledged": .count(result.unacknowledged), "invalidated": .count(result.invalidated),
                "retryQueued": .count(result.queued), "gaveUp": .count(result.gaveUp),
                "retryQueueSize": .count(result.queueSize),
                "alreadyCommitted": .bool(result.alreadyCommitted),
            ])
        return .success
    }
}

struct Forget: StateCommand {
    static let toolName = "cv-dedupe"
    static let configuration = CommandConfiguration(
        abstract: "Forget acknowledged records (a full resync sends everything again).")

    @OptionGroup var stateFile: StateOption
    var state: String { stateFile.state }

    @Option(name: .long, help: "Only this kind (objects with their relationships); default all.")
    var type: SyncType?

    @Flag(name: .long, help: "Confirm: without it nothing is forgotten.")
    var yes = false

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        guard yes else { throw ConfigurationError.unconfirmed(action: "forget drops what this sync knows was sent") }
        let kinds: [RecordKind]
        switch type {
        case nil: kinds = []
        case .contacts: kinds = [.contact]
        case .objects: kinds = [.object, .relationship]
        case .events: kinds = [.event]
        }
        let removed = try DedupeState(path: state).forget(kinds)
        let what = type?.rawValue ?? "everything"
        diagnostics.note("forgot \(removed) acknowledged keys; the next run sends \(what) again")
        return .success
    }
}

struct Stats: StateCommand {
    static let toolName = "cv-dedupe"
    static let configuration = CommandConfiguration(
        abstract: "Print what the state holds, as one JSON object on stdout.")

    @OptionGroup var stateFile: StateOption
    var state: String { stateFile.state }

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        print(JSONValue.object(try DedupeState(path: state).summary()).serialized)
        return .success
    }
}

struct Check: StateCommand {
    static let toolName = "cv-dedupe"
    static let configuration = CommandConfiguration(
        abstract:
            "Open the state and say nothing when it is usable; exit 2 with the reason when it is empty, damaged or "
            + "unwritable."
    )

    @OptionGroup var stateFile: StateOption
    var state: String { stateFile.state }

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        guard access(state, F_OK) == 0 else {
            throw StateError.missing(path: state)
        }
        _ = try DedupeState(path: state)
        return .success
    }
}

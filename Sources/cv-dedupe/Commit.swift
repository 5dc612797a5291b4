import ArgumentParser
import Dedupe
import JSONCodec
import SyncCore

struct Commit: ToolCommand {
    static let toolName = "cv-dedupe"
    static let configuration = CommandConfiguration(
        abstract: "Mark what a run sent and Conversion acknowledged as sent; idempotent.",
        discussion: """
        Reads cv-load's acks (one per accepted record, with the record's "key" and, for objects,
        "relationshipKeys") and records their content hashes in one transaction. Keys the run sent
        without an ack stay unmarked and are sent again by the next run. Committing a run twice
        changes nothing.
        """)

    @Option(name: .long, help: "The state database file of this sync.")
    var state: String

    @Option(name: .long, help: "The run whose acks are applied.")
    var run: String

    @Option(name: .long, help: "cv-load's acks file for this run.")
    var acks: String

    @Option(name: .long, help: "Write the commit's counts as JSON to this file.")
    var stats: String?

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        let result = try DedupeState(path: state).commit(run: run, acksPath: acks)
        if result.alreadyCommitted {
            diagnostics.note("run '\(run)' was already committed; nothing changed")
        } else {
            diagnostics.note("run '\(run)': \(result.acknowledged) keys acknowledged, \(result.unacknowledged) left to send again"
                + (result.unknownAcks > 0 ? ", \(result.unknownAcks) acks for keys the run did not send ignored" : ""))
        }
        if let stats {
            try StatsFile.write(["tool": .string("cv-dedupe commit"), "acknowledged": .number(String(result.acknowledged)),
                                 "unacknowledged": .number(String(result.unacknowledged)),
                                 "alreadyCommitted": .bool(result.alreadyCommitted)], to: stats)
        }
        return .success
    }
}

struct Forget: ToolCommand {
    static let toolName = "cv-dedupe"
    static let configuration = CommandConfiguration(abstract: "Forget acknowledged records (a full resync sends everything again).")

    @Option(name: .long, help: "The state database file of this sync.")
    var state: String

    @Option(name: .long, help: "Only this kind: contacts, objects (with their relationships) or events; default all.")
    var type: String?

    @Flag(name: .long, help: "Confirm: without it nothing is forgotten.")
    var yes = false

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        guard yes else { throw ConfigurationError("forget drops what this sync knows was sent; pass --yes to confirm") }
        let kinds: [RecordKind]
        switch type {
        case nil: kinds = []
        case "contacts": kinds = [.contact]
        case "objects": kinds = [.object, .relationship]
        case "events": kinds = [.event]
        case let other?: throw ConfigurationError("--type must be contacts, objects or events, got '\(other)'")
        }
        let removed = try DedupeState(path: state).forget(kinds)
        diagnostics.note("forgot \(removed) acknowledged keys; the next run sends \(type ?? "everything") again")
        return .success
    }
}

struct Stats: ToolCommand {
    static let toolName = "cv-dedupe"
    static let configuration = CommandConfiguration(abstract: "Print what the state holds, as one JSON object on stdout.")

    @Option(name: .long, help: "The state database file of this sync.")
    var state: String

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        print(JSONValue.object(try DedupeState(path: state).summary()).serialized)
        return .success
    }
}

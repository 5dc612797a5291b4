import ArgumentParser
import StreamIO
import RunRecord
import SyncCore
import ToolRuntime

struct Report: ToolCommand {
    static let toolName = "cv-run"
    static let configuration = CommandConfiguration(
        abstract:
            "What a dry run would do, or how a check's sample mapped, from the stats files in a folder; then one "
            + "line per column the mapping ignored or took despite its case.")

    @Option(name: .long, help: "The folder with the stages' stats files.")
    var runDir: String

    @Option(name: .long, help: "The sync's name.")
    var sync: String

    @Option(name: .long, help: "dry-run (the whole pipeline) or sample (cv-map alone).")
    var kind: String

    @Option(name: .long, help: "With dry-run: print the first N records as the API would receive them.")
    var show = 0

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        let s = RunStats(folder: runDir)
        switch kind {
        case "dry-run":
            print(
                "\(sync): \(s[.extract, "rows"]) rows, \(s[.load, "recordsIn"]) records would be sent in "
                    + "\(s[.load, "requests"]) requests; \(s[.map, "rejected"]) rows rejected, "
                    + "\(s[.dedupe, "duplicates"]) duplicates and \(s[.dedupe, "unchanged"]) unchanged records skipped")
        case "sample":
            print("\(sync): the sample maps: \(s[.map, "records"]) records, \(s[.map, "rejected"]) rejected")
            // Why, one line per reason: the counts alone sent people looking.
            for entry in try RejectsSummary(path: runDir + "/rejects.ndjson").entries {
                print("\(sync):   \(entry.count) \(entry.code), e.g. \(entry.message)")
            }
        default:
            throw ConfigurationError.invalidValue(setting: "--kind", expected: "dry-run or sample", got: kind)
        }
        for note in RunSummary.columnNotes(s) { print("\(sync): \(note)") }
        if show > 0 { try printRequests(limit: show) }
        return .success
    }

    /// The dry run's requests.ndjson: `{"method","url","body":{"contacts":[…]}}` per request.
    private func printRequests(limit: Int) throws {
        guard let lines = try? LineReader(path: runDir + "/requests.ndjson") else { return }
        var reader = NDJSONReader(lines: lines)
        var shown = 0
        while shown < limit, let line = try reader.next() {
            guard case .object = line, let body = reader.tape.value(at: 0).objectValue?["body"]?.objectValue,
                let items = body.members.first?.value.arrayValue
            else { continue }
            for item in items.prefix(limit - shown) { print(item.serialized) }
            shown += min(items.count, limit - shown)
        }
    }
}

import ArgumentParser
import JSONCodec
import RunRecord
import StreamIO
import SyncCore
import TimeFormats
import ToolRuntime

#if canImport(Glibc)
    import Glibc
#endif

struct Record: ToolCommand {
    static let toolName = "cv-run"
    static let configuration = CommandConfiguration(
        abstract:
            "Record a finished run: its history line, the run folders KEEP_RUNS keeps, and an alert when the "
            + "sync's condition changed. Prints the run's summary line (the alert's text when one is due), then "
            + "one line per column note. Exits 3 when the run is recorded and an alert is due (its body is in "
            + "--alert-file unless the disk refused it, which a note says), 1 when the history line could not be "
            + "written.")

    @OptionGroup var options: SyncOptions
    var state: String { options.state }
    var sync: String { options.sync }

    @Option(name: .long, help: "The run's id (from begin).")
    var run: String

    @Option(name: .long, help: "How it ended.")
    var status: RunStatus

    @Option(name: .long, help: "Its start and end, Unix seconds.")
    var start: Int64

    @Option(name: .long, help: "Its end, Unix seconds.")
    var end: Int64

    @Option(name: .long, help: "What it fed in.")
    var mode: RunMode = .extract

    @Flag(name: .long, help: "A retry or replay by hand: no alert, and not the sync's last scheduled run.")
    var manual = false

    @Option(name: .long, help: "The last_sync_time it read.")
    var lastSyncTime: Int?

    @Option(name: .long, help: "Why it failed or was cancelled.")
    var error: String?

    @Option(name: .long, help: "Run folders to keep (KEEP_RUNS, default 50).")
    var keepRuns = 50

    @Option(name: .long, help: "Where to write the alert (a JSON body for NOTIFY_URL) when one is due.")
    var alertFile: String?

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        let folder = state + "/runs/" + run
        var line = HistoryLine(run: run, status: status.rawValue)
        line.seq = RunSequence.sequence(of: run)
        line.start = UTCTimestamp.rfc3339(epochSeconds: start)
        line.end = UTCTimestamp.rfc3339(epochSeconds: end)
        line.durationSeconds = Int(max(0, end - start))
        line.mode = mode.rawValue
        line.manual = manual
        line.lastSyncTime = lastSyncTime
        let stats = RunStats(folder: folder)
        line.take(stats)
        let rejects = try RejectsSummary(path: folder + "/rejects.ndjson")
        line.rejectsByCode = rejects.byCode
        line.error = error.flatMap { $0.isEmpty ? nil : $0 }

        let history = History(stateFolder: state)
        let previous = History.lastScheduled(try history.lines())
        try history.append(line)
        RunPruning.prune(stateFolder: state, keep: keepRuns)

        let summary = RunSummary.text(
            of: line, sync: sync, cause: status == .failed ? RunSummary.cause(rejects) : nil)
        let alert = Alert.decide(previous: previous, current: line, summary: summary)
        print(alert?.text ?? summary)
        for note in RunSummary.columnNotes(stats) { print(note) }
        if let alert { try AlertFile.due(alert, line: line, sync: sync, to: alertFile) }
        return .success
    }
}

/// The body NOTIFY_URL receives: Slack's "text", and the history line for machines.
enum AlertFile {
    /// Exit status 3: the run is recorded and an alert is due. The caller learns it from the
    /// status, not from the file, which a full disk may have refused (a line on stdout says so,
    /// after the summary, where the driver reads notes).
    static let dueStatus = ExitCode(3)

    static func due(_ alert: Alert, line: HistoryLine, sync: String, to path: String?) throws -> Never {
        if let path {
            do {
                try write(alert, line: line, sync: sync, to: path)
            } catch {
                print("the alert's body for NOTIFY_URL could not be saved: \(error.message)")
            }
        }
        throw dueStatus
    }

    static func write(_ alert: Alert, line: HistoryLine, sync: String, to path: String) throws(OutputError) {
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, 255)
        let name = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let body: JSONObject = [
            "text": .string("cv-sync on \(name): \(alert.text)"), "sync": .string(sync),
            "alert": .string(alert.kind.rawValue), "run": .object(line.json),
        ]
        try AtomicFile.write(Array((JSONValue.object(body).serialized + "\n").utf8), to: path)
    }
}

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

struct Status: ToolCommand {
    static let toolName = "cv-run"
    static let configuration = CommandConfiguration(
        abstract:
            "One line per sync: its last scheduled run, status, age, when it is next due and its counts (cv-sync "
            + "status); --json gives one object per sync.")

    @Option(name: .long, help: "The sync home (CV_SYNC_HOME).")
    var home: String

    @Option(name: .long, help: "A sync and its SCHEDULE, NAME=SCHEDULE (empty: by hand); repeat for each sync.")
    var sync: [String] = []

    @Option(name: .long, help: "A sync whose file has errors; repeat for each.")
    var invalid: [String] = []

    @Flag(name: .long, help: "NDJSON, one object per sync, instead of a table.")
    var json = false

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        let now = Int64(time(nil))
        var table = TextTable(header: [
            "SYNC", "LAST_RUN", "STATUS", "AGE", "NEXT_DUE", "ROWS", "SENT", "FAILED", "ERROR",
        ])
        var objects: [JSONObject] = []
        let entries =
            sync.map { ($0.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false), false) }
            + invalid.map { ([Substring($0)], true) }
        for (parts, isInvalid) in entries.sorted(by: { $0.0[0] < $1.0[0] }) {
            let name = String(parts[0])
            let report = try SyncReport(
                home: home, name: name, schedule: parts.count > 1 ? String(parts[1]) : "", invalid: isInvalid,
                now: now)
            table.append(report.row)
            objects.append(report.json)
        }
        if json {
            for object in objects { print(JSONValue.object(object).serialized) }
        } else {
            print(table.text, terminator: "")
        }
        return .success
    }
}

/// What `status` says of one sync.
struct SyncReport {
    let name: String
    let last: HistoryLine?
    let lastSuccess: HistoryLine?
    let due: Schedule.Due?
    let invalid: Bool
    let now: Int64

    init(home: String, name: String, schedule: String, invalid: Bool, now: Int64) throws {
        let state = home + "/state/" + name
        let lines = try History(stateFolder: state).lines()
        self.name = name
        self.invalid = invalid
        self.now = now
        last = History.lastScheduled(lines)
        lastSuccess = lines.last { $0.runStatus == .succeeded || $0.runStatus == .partiallyFailed }
        let lastStart = Schedule.lastStart(stateFolder: state)
        due = Schedule(schedule).map { $0.nextDue(lastStart: lastStart, history: lines, now: now) }
    }

    var nextDue: String {
        guard let due else { return invalid ? "-" : "by hand" }
        return due.at <= now ? "now" : "in " + Self.age(due.at - now) + (due.why == nil ? "" : " (retry)")
    }

    var row: [String] {
        if invalid { return [name, "-", "invalid", "-", "-", "-", "-", "-", "see cv-sync check \(name)"] }
        guard let last else { return [name, "never", "-", "-", nextDue, "-", "-", "-", "-"] }
        return [
            name, last.start ?? "-", last.status, age(of: last), nextDue, String(last[.rowsExtracted]),
            String(last[.recordsSent]), String(last[.failed]), String((last.error ?? "-").prefix(60)),
        ]
    }

    func age(of line: HistoryLine) -> String {
        guard let start = line.start.flatMap(UTCTimestamp.epochSeconds) else { return "-" }
        // A start after now: the clock went back since; an age below zero says nothing useful.
        return start > now ? "ahead" : Self.age(now - start)
    }

    var json: JSONObject {
        var o: JSONObject = ["sync": .string(name), "valid": .bool(!invalid)]
        o["lastRun"] = last.map { .object($0.json) } ?? .null
        o["lastSuccess"] = lastSuccess?.start.map(JSONValue.string) ?? .null
        if let due {
            o["nextDue"] = .string(UTCTimestamp.rfc3339(epochSeconds: max(due.at, now)))
            if let why = due.why { o["nextDueReason"] = .string(why) }
        } else {
            o["nextDue"] = .null
        }
        o["retryQueueSize"] = .number(String(last?[.retryQueueSize] ?? 0))
        return o
    }

    /// 45s, 12m, 3h, 2d.
    static func age(_ seconds: Int64) -> String {
        switch seconds {
        case ..<60: "\(seconds)s"
        case ..<3600: "\(seconds / 60)m"
        case ..<86_400: "\(seconds / 3600)h"
        default: "\(seconds / 86_400)d"
        }
    }
}

struct Due: ToolCommand {
    static let toolName = "cv-run"
    static let configuration = CommandConfiguration(
        abstract:
            "Whether a sync with a SCHEDULE is due: prints 'due' or 'wait UNIX_TIME', then a tab and why it is due "
            + "sooner than a full interval (a failed run is tried again after 1, 2, 4… minutes; a last start in the "
            + "future, after the clock went back, is due at once).")

    @OptionGroup var folder: StateOption
    var state: String { folder.state }

    @Option(name: .long, help: "The sync's SCHEDULE: 15m, 1h, 6h or 1d.")
    var schedule: String

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        guard let schedule = Schedule(schedule) else {
            throw ConfigurationError.invalidValue(setting: "--schedule", expected: "15m, 1h, 6h or 1d", got: schedule)
        }
        let now = Int64(time(nil))
        let lastStart = Schedule.lastStart(stateFolder: state)
        let due = schedule.nextDue(lastStart: lastStart, history: try History(stateFolder: state).lines(), now: now)
        print((due.at <= now ? "due" : "wait \(due.at)") + "\t" + (due.why ?? ""))
        return .success
    }
}

import JSONCodec

/// One line of `state/NAME/history.ndjson`: what a run was. Version 2 adds `v`, `seq` (the
/// run's place in the sync's order, never taken from a clock), `manual` (a retry or replay, not
/// the schedule's) and `rejectsByCode`; lines of version 1 read with those missing.
public struct HistoryLine: Sendable, Equatable {
    public static let version = 2

    public var run: String
    /// The version the line was written in (1 for lines without `v`).
    public var version = HistoryLine.version
    public var seq: Int?
    public var start: String?
    public var end: String?
    public var durationSeconds = 0
    public var status: String
    public var mode: String?
    public var manual = false
    public var lastSyncTime: Int?
    public var counts: [(key: Count, value: Int)] = []
    public var ignoredColumns: [String] = []
    public var rejectsByCode: [(code: String, count: Int)] = []
    /// The next watermark and whose clock gave it.
    public var watermark: Int?
    public var clock: String?
    public var error: String?
    /// Why a run did not run (skipped).
    public var reason: String?

    /// The counts every run line carries, in this order.
    public enum Count: String, Sendable, CaseIterable {
        case rowsExtracted, recordsSent, succeeded, failed, duplicatesSkipped, unchangedSkipped, merged, retried
        case retryQueued, gaveUp, retryQueueSize
    }

    public init(run: String, status: String) {
        self.run = run
        self.status = status
    }

    public subscript(count: Count) -> Int {
        get { counts.first { $0.key == count }?.value ?? 0 }
        set {
            if let i = counts.firstIndex(where: { $0.key == count }) {
                counts[i].value = newValue
            } else {
                counts.append((count, newValue))
            }
        }
    }

    public var runStatus: RunStatus? { RunStatus(rawValue: status) }

    public static func == (a: HistoryLine, b: HistoryLine) -> Bool { a.json == b.json }

    /// The counts of a run from its stats files.
    public mutating func take(_ stats: RunStats) {
        self[.rowsExtracted] = stats[.extract, "rows"]
        self[.recordsSent] = stats[.load, "recordsIn"]
        self[.succeeded] = stats[.load, "acks"]
        self[.failed] = stats.rejected
        self[.duplicatesSkipped] = stats[.dedupe, "duplicates"]
        self[.unchangedSkipped] = stats[.dedupe, "unchanged"]
        self[.merged] = stats[.dedupe, "merged"]
        self[.retried] = stats[.dedupe, "retried"]
        self[.retryQueued] = stats[.commit, "retryQueued"]
        self[.gaveUp] = stats[.commit, "gaveUp"]
        self[.retryQueueSize] = stats[.commit, "retryQueueSize"]
        ignoredColumns = stats.ignoredColumns
        if let clock = stats.value(.extract, "clock")?.stringValue {
            self.clock = clock
            watermark = stats[.extract, "startTime"]
        }
    }
}

extension HistoryLine {
    public var json: JSONObject {
        var o: JSONObject = ["run": .string(run), "v": .number(String(version))]
        if let seq { o["seq"] = .number(String(seq)) }
        if let start { o["start"] = .string(start) }
        if let end { o["end"] = .string(end) }
        o["durationSeconds"] = .number(String(durationSeconds))
        o["status"] = .string(status)
        if let mode { o["mode"] = .string(mode) }
        if manual { o["manual"] = .bool(true) }
        if let lastSyncTime { o["lastSyncTime"] = .number(String(lastSyncTime)) }
        for (key, value) in counts { o[key.rawValue] = .number(String(value)) }
        if !counts.isEmpty { o["ignoredColumns"] = .array(ignoredColumns.map(JSONValue.string)) }
        if !rejectsByCode.isEmpty {
            o["rejectsByCode"] = .object(JSONObject(rejectsByCode.map { ($0.code, .number(String($0.count))) }))
        }
        if let watermark, let clock {
            o["watermark"] = .number(String(watermark))
            o["clock"] = .string(clock)
        }
        if let error { o["error"] = .string(error) }
        if let reason { o["reason"] = .string(reason) }
        return o
    }

    /// Reads a line of any version; nil for a line that is not a run (no `run` or `status`).
    public init?(json o: JSONObject) {
        guard let run = o["run"]?.stringValue, let status = o["status"]?.stringValue else { return nil }
        self.init(run: run, status: status)
        func int(_ key: String) -> Int? { if case .number(let n)? = o[key] { Int(n) } else { nil } }
        version = int("v") ?? 1
        seq = int("seq")
        start = o["start"]?.stringValue
        end = o["end"]?.stringValue
        durationSeconds = int("durationSeconds") ?? 0
        mode = o["mode"]?.stringValue
        manual = o["manual"] == .bool(true)
        lastSyncTime = int("lastSyncTime")
        counts = Count.allCases.compactMap { key in int(key.rawValue).map { (key, $0) } }
        ignoredColumns = o["ignoredColumns"]?.arrayValue?.compactMap(\.stringValue) ?? []
        rejectsByCode =
            o["rejectsByCode"]?.objectValue?.members.compactMap { member in
                if case .number(let n) = member.value, let count = Int(n) { (member.key, count) } else { nil }
            } ?? []
        watermark = int("watermark")
        clock = o["clock"]?.stringValue
        error = o["error"]?.stringValue
        reason = o["reason"]?.stringValue
    }

    public var serialized: String { JSONValue.object(json).serialized }
}

import JSONCodec
import StreamIO

/// How a run that got through its pipeline ended: the stage contracts' sums (a mismatch is a
/// lost row), the share of its own records rejected, and then whether anything was rejected.
public struct RunVerdict: Sendable, Equatable {
    public var status: RunStatus
    public var error: String?

    public init(status: RunStatus, error: String?) {
        self.status = status
        self.error = error
    }

    public static func judge(
        _ stats: RunStats, mode: RunMode, requeued: Int, maxRejectPercent: Int, hasRejects: Bool
    ) -> RunVerdict {
        if let problem = conservationProblem(stats, mode: mode) { return RunVerdict(status: .failed, error: problem) }
        if let problem = rejectShareProblem(stats, mode: mode, requeued: requeued, maxPercent: maxRejectPercent) {
            return RunVerdict(status: .failed, error: problem)
        }
        return RunVerdict(status: hasRejects ? .partiallyFailed : .succeeded, error: nil)
    }

    /// docs/streams.md, "Counts": what each stage read is what the one before it wrote, and
    /// each stage's input is accounted for by its outputs.
    public static func conservationProblem(_ s: RunStats, mode: RunMode) -> String? {
        let failed = "conservation check failed: "
        if mode == .extract && s[.extract, "rows"] != s[.map, "rows"] {
            return failed + "wh-extract wrote \(s[.extract, "rows"]) rows, cv-map read \(s[.map, "rows"])"
        }
        if mode != .records {
            if s[.map, "rows"] != s[.map, "records"] + s[.map, "rejected"] {
                return failed + "cv-map rows != records + rejects"
            }
            if s[.map, "records"] != s[.dedupe, "recordsIn"] {
                return failed + "cv-map wrote \(s[.map, "records"]) records, cv-dedupe read \(s[.dedupe, "recordsIn"])"
            }
        }
        let dedupeIn = s[.dedupe, "recordsIn"] + s[.dedupe, "retried"]
        let dedupeOut = ["recordsOut", "duplicates", "unchanged", "merged", "superseded", "rejected"].reduce(0) {
            $0 + s[.dedupe, $1]
        }
        if dedupeIn != dedupeOut {
            return failed
                + "cv-dedupe in + retried != out + duplicates + unchanged + merged + superseded + rejected"
        }
        if s[.dedupe, "recordsOut"] != s[.load, "recordsIn"] {
            return failed + "cv-dedupe wrote \(s[.dedupe, "recordsOut"]) records, cv-load read \(s[.load, "recordsIn"])"
        }
        if s[.load, "recordsIn"] != s[.load, "acks"] + s[.load, "rejected"] {
            return failed + "cv-load in != acks + rejects"
        }
        return nil
    }

    /// A run in which `maxPercent` or more of its own records were rejected failed: that is not
    /// about rows. Queued records refused again count neither way.
    public static func rejectShareProblem(_ s: RunStats, mode: RunMode, requeued: Int, maxPercent: Int) -> String? {
        let total = mode == .records ? s[.dedupe, "recordsIn"] : s[.map, "rows"]
        let rejected = s.rejected - requeued
        guard total > 0, rejected > 0, rejected * 100 >= maxPercent * total else { return nil }
        return "\(rejected) of \(total) records rejected (\(rejected * 100 / total)%), at or above "
            + "MAX_REJECT_PERCENT=\(maxPercent); see 'cv-sync errors'"
    }
}

/// What a run's rejects file says beyond the counts.
public struct RejectsSummary: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var stage: String
        public var code: String
        public var count: Int
        /// The first message seen for it.
        public var message: String
    }

    /// Load rejects of records the retry queue fed in.
    public var requeued = 0
    /// Rejects by stage and code, most frequent first.
    public var entries: [Entry] = []
    public var total: Int { entries.reduce(0) { $0 + $1.count } }

    /// Counts by code alone, most frequent first (the history's `rejectsByCode`).
    public var byCode: [(code: String, count: Int)] {
        var merged: [(code: String, count: Int)] = []
        for entry in entries {
            if let i = merged.firstIndex(where: { $0.code == entry.code }) {
                merged[i].count += entry.count
            } else {
                merged.append((entry.code, entry.count))
            }
        }
        return merged.sorted { $0.count > $1.count }
    }

    public init() {}

    /// Streams the file: memory is one line, whatever its size.
    public init(path: String) throws {
        guard let lines = try? LineReader(path: path) else { return }
        var reader = NDJSONReader(lines: lines)
        while let line = try reader.next() {
            guard case .object = line else { continue }
            let tape = reader.tape
            let stage = tape.string("stage", of: 0) ?? "?"
            let code = tape.string("code", of: 0) ?? "unknown"
            if stage == "load", let input = tape.member("input", of: 0), tape.bool("retried", of: input) == true {
                requeued += 1
            }
            if let i = entries.firstIndex(where: { $0.stage == stage && $0.code == code }) {
                entries[i].count += 1
            } else {
                entries.append(Entry(stage: stage, code: code, count: 1, message: tape.string("message", of: 0) ?? ""))
            }
        }
        // Stable: ties keep the order first seen.
        entries = entries.enumerated().sorted { ($0.element.count, -$0.offset) > ($1.element.count, -$1.offset) }
            .map(\.element)
    }
}

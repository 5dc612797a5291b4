import JSONCodec
import StreamIO

/// A sync's `history.ndjson`: one line per run, appended when the run ends (an interrupted run's
/// by the next run). Runs are ordered by their sequence number; a skip, which has none, stays
/// after the runs written before it. Lines of version 1 (before sequences) come first, by their
/// start as they always were; no clock orders anything newer.
public struct History: Sendable {
    public let path: String

    public init(stateFolder: String) { path = stateFolder + "/history.ndjson" }

    /// Every run, in run order.
    public func lines() throws -> [HistoryLine] {
        guard let reader = try? LineReader(path: path) else { return [] }
        var ndjson = NDJSONReader(lines: reader)
        var found: [(line: HistoryLine, order: Int, start: String, index: Int)] = []
        var highest = 0
        while let line = try ndjson.next() {
            guard case .object = line, let object = ndjson.tape.value(at: 0).objectValue,
                let history = HistoryLine(json: object)
            else { continue }
            highest = max(highest, history.seq ?? 0)
            let legacy = history.version == 1
            found.append(
                (history, legacy ? 0 : history.seq ?? highest, legacy ? history.start ?? "" : "", found.count))
        }
        return found.sorted { a, b in
            (a.order, a.start, a.index) < (b.order, b.start, b.index)
        }.map(\.line)
    }

    public func append(_ line: HistoryLine) throws(OutputError) {
        let sink = try ByteSink(path: path, append: true)
        var bytes = ByteBuffer(capacity: 512)
        bytes.append(contentsOf: Array((line.serialized + "\n").utf8))
        try sink.flush(&bytes)
    }

    /// The run the sync's schedule made last: not a manual retry or replay, not a skip. (A
    /// sync whose only runs were skipped shows its last skip.)
    public static func lastScheduled(_ lines: [HistoryLine]) -> HistoryLine? {
        lines.last { !$0.manual && $0.status != RunStatus.skipped.rawValue }
            ?? lines.last { !$0.manual }
    }
}

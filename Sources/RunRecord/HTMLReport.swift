import TimeFormats

/// `cv-sync report`: one self-contained HTML page (inline CSS and SVG, nothing fetched) with, per
/// sync, its recent runs as a chart (rows, sent and failed as bars, the duration as a line), its
/// status over time, its most frequent reject codes with one example each, and its retry queue.
public enum HTMLReport {
    public struct Sync {
        public var name: String
        public var history: [HistoryLine]
        /// One example message per reject code, from the run folders still there.
        public var examples: [String: String]

        public init(name: String, history: [HistoryLine], examples: [String: String]) {
            self.name = name
            self.history = history
            self.examples = examples
        }
    }

    public static func page(_ syncs: [Sync], generated: Int64, runs: Int = 30) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>cv-sync report</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}
            h1{font-size:20px}h2{font-size:16px;margin:28px 0 8px}
            table{border-collapse:collapse;margin:8px 0}
            td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}
            .legend span{display:inline-block;margin-right:14px}
            .sw{display:inline-block;width:10px;height:10px;margin-right:4px}
            .succeeded{fill:#2e7d32;background:#2e7d32}.partially_failed{fill:#f9a825;background:#f9a825}
            .failed{fill:#c62828;background:#c62828}.cancelled,.interrupted,.skipped{fill:#9e9e9e;background:#9e9e9e}
            </style></head><body>
            <h1>cv-sync report</h1>
            <p>\(UTCTimestamp.rfc3339(epochSeconds: generated)) · \(syncs.count) sync\(syncs.count == 1 ? "" : "s")</p>

            """
        for sync in syncs { html += section(sync, runs: runs) }
        return html + "</body></html>\n"
    }

    static func section(_ sync: Sync, runs: Int) -> String {
        let recent = Array(sync.history.filter { $0.status != RunStatus.skipped.rawValue }.suffix(runs))
        var html = "<section class=\"sync\"><h2>\(escaped(sync.name))</h2>\n"
        guard !recent.isEmpty else { return html + "<p>No runs yet.</p></section>\n" }
        html += chart(recent)
        html += """
            <div class="legend"><span><i class="sw" style="background:#1565c0"></i>rows</span>\
            <span><i class="sw" style="background:#64b5f6"></i>sent</span>\
            <span><i class="sw" style="background:#c62828"></i>failed</span>\
            <span>— duration</span> · status: <span><i class="sw succeeded"></i>succeeded</span>\
            <span><i class="sw partially_failed"></i>partially failed</span>\
            <span><i class="sw failed"></i>failed</span>\
            </div>

            """
        var codes: [String: Int] = [:]
        for line in recent { for entry in line.rejectsByCode { codes[entry.code, default: 0] += entry.count } }
        if !codes.isEmpty {
            html += "<table class=\"rejects\"><tr><th>reject code</th><th>rejects</th><th>example</th></tr>\n"
            for (code, count) in codes.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).prefix(10) {
                let example = escaped(sync.examples[code] ?? "–")
                html += "<tr><td>\(escaped(code))</td><td>\(count)</td><td>\(example)</td></tr>\n"
            }
            html += "</table>\n"
        }
        let last = recent[recent.count - 1]
        html +=
            "<p>Last run \(escaped(last.run)): \(escaped(last.status)). Retry queue: "
            + "\(last[.retryQueueSize]) record\(last[.retryQueueSize] == 1 ? "" : "s") waiting.</p>\n"
        return html + "</section>\n"
    }

    /// Bars of rows, sent and failed per run, a line of durations, and a strip of statuses.
    static func chart(_ runs: [HistoryLine]) -> String {
        let (width, height, strip) = (720.0, 180.0, 14.0)
        // At most 24 px a run: a few runs are still bars, not walls.
        let slot = min(24, width / Double(runs.count))
        let tallest = runs.map { max($0[.rowsExtracted], $0[.recordsSent], $0[.failed]) }.max() ?? 0
        let slowest = runs.map(\.durationSeconds).max() ?? 0
        let (most, longest) = (Double(max(1, tallest)), Double(max(1, slowest)))
        var svg =
            "<p class=\"scale\">The last \(runs.count) run\(runs.count == 1 ? "" : "s"), oldest first: the tallest bar "
            + "is \(tallest), the longest run \(slowest)s.</p>\n"
        svg +=
            "<svg class=\"runs\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" "
            + "height=\"\(Int(height + strip + 4))\" role=\"img\" aria-label=\"recent runs\">\n"
        var points: [String] = []
        for (i, run) in runs.enumerated() {
            let x = Double(i) * slot
            let bar = max(1, slot / 3 - 1)
            for (k, (value, color)) in [
                (run[.rowsExtracted], "#1565c0"), (run[.recordsSent], "#64b5f6"), (run[.failed], "#c62828"),
            ].enumerated() {
                let h = Double(value) / most * (height - 10)
                svg +=
                    "<rect x=\"\(fmt(x + Double(k) * bar))\" y=\"\(fmt(height - h))\" width=\"\(fmt(bar))\" "
                    + "height=\"\(fmt(h))\" fill=\"\(color)\"><title>\(escaped(run.run)): \(value)</title></rect>\n"
            }
            points.append("\(fmt(x + slot / 2)),\(fmt(height - Double(run.durationSeconds) / longest * (height - 10)))")
            svg +=
                "<rect class=\"\(escaped(run.status))\" x=\"\(fmt(x))\" y=\"\(fmt(height + 4))\" "
                + "width=\"\(fmt(max(1, slot - 1)))\" height=\"\(fmt(strip))\"><title>\(escaped(run.run)): "
                + "\(escaped(run.status))</title></rect>\n"
        }
        svg +=
            "<polyline points=\"\(points.joined(separator: " "))\" "
            + "fill=\"none\" stroke=\"#222\" stroke-width=\"1.5\"/>\n"
        return svg + "</svg>\n"
    }

    static func fmt(_ value: Double) -> String { String(Double(Int(value * 10)) / 10) }

    static func escaped(_ text: String) -> String {
        text.escaping(["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"])
    }
}

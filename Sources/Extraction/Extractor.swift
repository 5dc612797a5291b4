import JSONCodec
import SyncCore
import WarehouseCore

/// Counts from one extraction, written by `--stats` and checked by the driver.
public struct ExtractStats: Sendable, Equatable {
    public var rows = 0
    public var seconds = 0.0

    public var json: JSONObject {
        ["tool": .string("wh-extract"), "rows": .number(String(rows)),
         "seconds": .number(String(Double(Int(seconds * 1000)) / 1000))]
    }
}

/// Runs one query against one warehouse and streams its rows as NDJSON to `output`.
public enum Extractor {
    public static func run(_ configuration: ExtractConfiguration, output: ByteSink, diagnostics: Diagnostics) throws(ExtractError) -> ExtractStats {
        let warehouse = try WarehouseConnector.connect(configuration)
        let canceller = SignalCanceller(warehouse: warehouse)
        defer { canceller.stop() }
        var sink = OutputRowSink(output: output, progress: ProgressMeter(unit: "rows", diagnostics: diagnostics))
        var writer = JSONWriter(capacity: output.flushThreshold + (1 << 14))
        do throws(ExtractError) {
            try warehouse.stream(query: configuration.query, writer: &writer, sink: &sink)
            do throws(OutputError) { try output.flush(&writer.bytes) } catch { throw ExtractError.output(error) }
        } catch {
            if case .cancelled = error { throw .cancelled(signal: canceller.signalName ?? "signal") }
            if case .output(.closedPipe) = error { warehouse.cancel() }
            throw error
        }
        return ExtractStats(rows: sink.rows, seconds: sink.progress.elapsed)
    }
}

/// Counts rows, flushes full buffers to the output and shows progress on a terminal.
struct OutputRowSink: RowSink {
    let output: ByteSink
    var progress: ProgressMeter
    var rows = 0

    @inline(__always)
    mutating func rowEncoded(_ writer: inout JSONWriter) throws(ExtractError) {
        rows += 1
        progress.tick(rows)
        if writer.bytes.count >= output.flushThreshold {
            do throws(OutputError) { try output.flush(&writer.bytes) } catch { throw .output(error) }
        }
    }
}

import JSONCodec
import SyncCore
import WarehouseCore
import StreamIO

/// Counts from one extraction, written by `--stats` and checked by the driver.
public struct ExtractStats: Sendable, Equatable {
    public var rows = 0
    public var seconds = 0.0
    /// The run's start, in Unix seconds, by `clock`: the next run's `last_sync_time`.
    public var startTime: Int64 = 0
    /// "warehouse" (its own clock, read before the query ran) or "host".
    public var clock = "host"

    public var json: JSONObject {
        [
            StatsKey.tool.rawValue: .string("wh-extract"), "rows": .count(rows), "seconds": .seconds(seconds),
            "startTime": .number(String(startTime)), "clock": .string(clock),
        ]
    }
}

/// Runs one query against one warehouse and streams its rows as NDJSON to `output`.
public enum Extractor {
    public static func run(_ configuration: ExtractConfiguration, output: ByteSink, diagnostics: Diagnostics)
        throws(ExtractError) -> ExtractStats
    {
        let warehouse = try WarehouseConnector.connect(configuration)
        // A signal cancels the running statement on the server; the stream then ends.
        let signals = SignalWatcher { _ in warehouse.cancel() }
        defer { signals.cancel() }
        let clock = try StartClock(
            lastSyncTime: configuration.lastSyncTime,
            reading: WarehouseClock.read(warehouse, source: configuration.source, diagnostics: diagnostics))
        var sink = OutputRowSink(
            output: output, progress: ProgressMeter(unit: "rows", diagnostics: diagnostics), warehouse: warehouse,
            clock: clock)
        let start: WarehouseClock.Reading
        var writer = JSONWriter(capacity: output.flushThreshold + (1 << 14))
        do throws(ExtractError) {
            try warehouse.stream(query: configuration.query, writer: &writer, sink: &sink)
            start = try sink.clock.settle(warehouse)
            do throws(OutputError) { try output.flush(&writer.bytes) } catch { throw ExtractError.output(error) }
        } catch {
            if case .cancelled = error { throw .cancelled(signal: signals.firstSignal ?? "signal") }
            switch error {
            case .output(.closedPipe), .watermarkInFuture, .duplicateColumn: warehouse.cancel()
            default: break
            }
            throw error
        }
        return ExtractStats(
            rows: sink.rows, seconds: sink.progress.elapsed, startTime: start.seconds, clock: start.source)
    }
}

/// Counts rows, flushes full buffers to the output and shows progress on a terminal.
struct OutputRowSink: RowSink {
    let output: ByteSink
    var progress: ProgressMeter
    let warehouse: Warehouse
    var clock: StartClock
    var rows = 0

    /// Every row has the first row's columns: checking that one finds a name used twice.
    static func checkColumnNames(_ writer: borrowing JSONWriter) throws(ExtractError) {
        var tape = JSONTape()
        guard (try? JSONParser().parse(writer.bytes.span, into: &tape)) != nil, tape[0].kind == .object else { return }
        if let duplicate = tape.duplicateMember(ofObject: 0) {
            throw .duplicateColumn(name: duplicate.name, first: duplicate.first, second: duplicate.second)
        }
    }

    @inline(__always)
    mutating func rowEncoded(_ writer: inout JSONWriter) throws(ExtractError) {
        rows += 1
        if rows == 1 {
            // Nothing leaves before the watermark is known to be sane and the columns distinct.
            _ = try clock.settle(warehouse)
            try Self.checkColumnNames(writer)
        }
        progress.tick(rows)
        if writer.bytes.count >= output.flushThreshold {
            do throws(OutputError) { try output.flush(&writer.bytes) } catch { throw .output(error) }
        }
    }
}

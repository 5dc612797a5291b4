import JSONCodec
import SyncCore
import WarehouseCore

#if canImport(Glibc)
    import Glibc
#endif

/// The run's start time, from the warehouse's own clock: `last_sync_time` is compared with the
/// warehouse's timestamps, so a skewed sync host must not move it. SQL sources answer one cheap
/// SELECT, tried in the warehouse's dialect first; the cloud APIs state their clock in the Date
/// header of the answer that starts the query (no job of its own). Where neither is to be had,
/// this host's clock, and the stats say so.
enum WarehouseClock {
    /// A stored watermark this far ahead of the clock is still taken as clock skew.
    static let skewAllowanceSeconds: Int64 = 60

    struct Reading: Equatable {
        var seconds: Int64
        /// "warehouse" or "host".
        var source: String
    }

    /// Statements that return the current Unix time in whole seconds (rounded down, so a row
    /// changed in the start's second is read again rather than missed). The portable form
    /// comes last; it is also what the local stand-ins (DuckDB-based) understand.
    static func queries(for source: WarehouseSource) -> [String] {
        let portable = "SELECT CAST(FLOOR(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP)) AS BIGINT) AS now"
        switch source {
        case .postgres: return [portable]
        case .sqlite: return ["SELECT CAST(strftime('%s','now') AS INTEGER) AS now"]
        case .bigquery, .snowflake, .databricks: return []
        case .odbc:
            return [
                portable, "SELECT CAST(strftime('%s','now') AS INTEGER) AS now", "SELECT UNIX_TIMESTAMP() AS now",
                "SELECT DATEDIFF_BIG(SECOND, '1970-01-01', SYSUTCDATETIME()) AS now",
            ]
        }
    }

    /// Reads the clock before the query, for sources that answer a SELECT; nil for the others.
    static func read(_ warehouse: Warehouse, source: WarehouseSource, diagnostics: Diagnostics) throws(ExtractError)
        -> Reading?
    {
        let candidates = queries(for: source)
        guard !candidates.isEmpty else { return nil }
        var failures: [String] = []
        for query in candidates {
            var writer = JSONWriter(capacity: 256)
            var sink = FirstRowSink()
            do throws(ExtractError) {
                try warehouse.stream(query: query, writer: &writer, sink: &sink)
            } catch {
                if case .cancelled = error { throw error }
                if case .connectionFailed = error { throw error }
                failures.append(error.message)
                continue
            }
            if let seconds = sink.seconds { return Reading(seconds: seconds, source: "warehouse") }
            failures.append("'\(query)' returned no whole number")
        }
        diagnostics.warning(
            "could not read the warehouse's clock (\(failures.last ?? "no query for this source")); "
                + "the run's start time comes from this host's clock")
        return Reading(seconds: Int64(time(nil)), source: "host")
    }
}

/// Keeps the first value of the first row, as whole seconds.
private struct FirstRowSink: RowSink {
    var seconds: Int64?

    mutating func rowEncoded(_ writer: inout JSONWriter) throws(ExtractError) {
        guard seconds == nil else { return }
        let value = try? JSONValue.parse(writer.bytes)
        guard let first = value?.objectValue?.members.first?.value else { return }
        switch first {
        case .number(let text), .string(let text):
            seconds = Int64(text) ?? Double(text).flatMap { $0.isFinite ? Int64($0.rounded(.down)) : nil }
        default: break
        }
    }
}

/// The run's start, settled before the first row leaves: up front for SQL sources, from the
/// query's first answer for the cloud APIs. A watermark ahead of it stops the run (exit 2).
struct StartClock {
    let lastSyncTime: Int64
    let hostStart: Int64
    private(set) var reading: WarehouseClock.Reading?

    init(lastSyncTime: Int64, reading: WarehouseClock.Reading?) throws(ExtractError) {
        self.lastSyncTime = lastSyncTime
        hostStart = Int64(time(nil))
        if let reading { try Self.check(lastSyncTime, reading) }
        self.reading = reading
    }

    mutating func settle(_ warehouse: Warehouse) throws(ExtractError) -> WarehouseClock.Reading {
        if let reading { return reading }
        let settled =
            warehouse.serverClock.map { WarehouseClock.Reading(seconds: $0, source: "warehouse") }
            ?? WarehouseClock.Reading(seconds: hostStart, source: "host")
        try Self.check(lastSyncTime, settled)
        reading = settled
        return settled
    }

    private static func check(_ lastSyncTime: Int64, _ reading: WarehouseClock.Reading) throws(ExtractError) {
        if lastSyncTime > reading.seconds + WarehouseClock.skewAllowanceSeconds {
            throw .watermarkInFuture(lastSyncTime: lastSyncTime, now: reading.seconds, clock: reading.source)
        }
    }
}

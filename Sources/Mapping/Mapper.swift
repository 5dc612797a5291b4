import JSONCodec
import SyncCore
import StreamIO

/// cv-map's entry point: rows in, records out, every row accounted for.
public enum Mapper {
    public static func run(_ configuration: MapConfiguration, output: ByteSink, diagnostics: Diagnostics) throws
        -> MapStats
    {
        var reader = NDJSONReader(lines: try LineReader(path: configuration.inputPath))
        var run = MapRun(
            configuration: configuration, diagnostics: diagnostics,
            rejects: try RejectLog(
                path: configuration.rejectsPath, diagnostics: diagnostics, location: reader.sourceName),
            capacity: output.flushThreshold + (1 << 14))
        var progress = ProgressMeter(unit: "rows", diagnostics: diagnostics)
        do {
            while let line = try reader.next() {
                try run.take(line, from: &reader)
                if let limit = configuration.maxRejects, run.rejects.total > limit {
                    try output.flush(&run.writer.bytes)
                    try run.rejects.flush()
                    throw TooManyRejects(limit: limit)
                }
                try output.maybeFlush(&run.writer.bytes)
                progress.tick(run.stats.rows)
            }
            try output.flush(&run.writer.bytes)
        } catch let error as OutputError where error == .closedPipe {
            // The reader went away: what was read is still counted below.
        }
        return try run.finish()
    }

    /// Once per column and run: ignored columns (with "did you mean"), and reserved names
    /// matched despite their case.
    static func reportNewColumns(
        _ stats: inout MapStats, _ resolver: ColumnResolver,
        _ configuration: MapConfiguration, _ diagnostics: Diagnostics
    ) {
        for folded in resolver.folded[stats.foldedColumns.count...] {
            diagnostics.note(
                "column '\(folded.column)' is taken as '\(folded.reserved)' (the warehouse changed the name's case; "
                    + "quote the alias to keep it)"
            )
            stats.foldedColumns.append(folded)
        }
        for name in resolver.ignored[stats.ignoredColumns.count...] {
            var text = "column '\(name)' matches no \(configuration.destination.noun) field and is ignored"
            var suggestion = NameSuggestion.suggest(for: name, among: resolver.knownNames)
            if let exact = resolver.shadowedBy[name] {
                text = "column '\(name)' is ignored in rows that also have '\(exact)' (the exact name wins)"
                suggestion = nil
            }
            if let suggestion { text += " (did you mean '\(suggestion)'?)" }
            diagnostics.note(text)
            stats.ignoredColumns.append(name)
            stats.ignoredColumnSuggestions.append(suggestion)
        }
    }
}

/// One run's state: the mapper, the records written and not yet flushed, the counts.
struct MapRun: ~Copyable {
    let configuration: MapConfiguration
    let diagnostics: Diagnostics
    let rejects: RejectLog
    var mapper: RecordMapper
    var writer: JSONWriter
    var stats = MapStats()
    /// Columns 0..<distinctColumns of the resolver's cache are known to be distinct names.
    private var distinctColumns = 0

    init(configuration: MapConfiguration, diagnostics: Diagnostics, rejects: RejectLog, capacity: Int) {
        self.configuration = configuration
        self.diagnostics = diagnostics
        self.rejects = rejects
        mapper = RecordMapper(
            destination: configuration.destination, schema: configuration.schema, nulls: configuration.nulls)
        writer = JSONWriter(capacity: capacity)
    }

    /// One line of input: a record written, or a reject with its reason.
    mutating func take(_ line: NDJSONLine, from reader: inout NDJSONReader) throws {
        switch line {
        case .blank:
            stats.blankLines += 1
        case .cut:
            diagnostics.warning(reader.cutLine)
        case .overlong(let length):
            stats.rows += 1
            try rejects.add(reader.overlongReject(length, stage: .map), input: nil)
        case .invalid(let error):
            stats.rows += 1
            let message =
                error.map { "invalid JSON: \($0)" }
                ?? "expected a JSON object, got \(reader.tape.value(at: 0).typeDescription)"
            try rejects.add(
                Reject(stage: .map, row: reader.lineNumber, code: .invalidJSON, message: message), input: nil,
                rawInput: reader.line)
        case .object:
            stats.rows += 1
            try map(&reader)
        }
    }

    private mutating func map(_ reader: inout NDJSONReader) throws {
        let misses = mapper.resolver.misses
        mapper.collect(reader.tape)
        let columns = Int(reader.tape[0].start)
        // A row whose columns all matched the cache, within a prefix already checked, has no
        // name twice: the check costs nothing for the rows of one query.
        if mapper.resolver.misses != misses || columns > distinctColumns {
            if let duplicate = reader.tape.duplicateMember(ofObject: 0) {
                // Which of the two would count is arbitrary: refuse the row, name both.
                distinctColumns = 0
                try rejects.add(
                    Reject(
                        stage: .map, row: reader.lineNumber, code: .duplicateColumn,
                        message:
                            "column '\(duplicate.name)' appears twice (columns \(duplicate.first) and "
                            + "\(duplicate.second)); give one of them another name with AS"),
                    input: reader.line)
                return
            }
            distinctColumns = columns
        }
        if mapper.resolver.ignored.count > stats.ignoredColumns.count
            || mapper.resolver.folded.count > stats.foldedColumns.count
        {
            Mapper.reportNewColumns(&stats, mapper.resolver, configuration, diagnostics)
        }
        let mark = writer.bytes.count
        do throws(MapFailure) {
            try mapper.writeRecord(reader.tape, row: reader.lineNumber, into: &writer)
            stats.records += 1
        } catch {
            writer.bytes.removeSubrange(mark...)
            try rejects.add(
                Reject(stage: .map, row: reader.lineNumber, code: error.code, message: error.message),
                input: reader.line)
        }
    }

    /// The counts, once the rejects are on disk; a word on relationships that had no contact.
    mutating func finish() throws -> MapStats {
        try rejects.flush()
        stats.rejected = rejects.total
        stats.rejectedByCode = rejects.byCode
        if mapper.orphanedRelationshipFields > 0 {
            let n = mapper.orphanedRelationshipFields
            diagnostics.warning(
                "\(n) row\(n == 1 ? "" : "s") had relationshipFields but neither 'userId' nor 'email'; "
                    + "\(n == 1 ? "its object goes" : "their objects go") without a relationship")
        }
        return stats
    }
}

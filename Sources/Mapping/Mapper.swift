import JSONCodec
import SyncCore

/// cv-map's entry point: rows in, records out, every row accounted for.
public enum Mapper {
    public static func run(_ configuration: MapConfiguration, output: ByteSink, diagnostics: Diagnostics) throws -> MapStats {
        var reader = NDJSONReader(lines: try LineReader(path: configuration.inputPath))
        let rejects = try RejectLog(path: configuration.rejectsPath, diagnostics: diagnostics, location: reader.sourceName)
        var mapper = RecordMapper(destination: configuration.destination, schema: configuration.schema, nulls: configuration.nulls)
        var writer = JSONWriter(capacity: output.flushThreshold + (1 << 14))
        var stats = MapStats()
        var progress = ProgressMeter(unit: "rows", diagnostics: diagnostics)
        do {
            while let line = try reader.next() {
                switch line {
                case .blank:
                    stats.blankLines += 1
                    continue
                case .invalid(let error, let raw):
                    stats.rows += 1
                    let message = error.map { "invalid JSON: \($0)" } ?? "expected a JSON object, got \(reader.tape.value(at: 0).typeDescription)"
                    try rejects.add(Reject(stage: "map", row: reader.lineNumber, code: "invalid_json", message: message), input: nil, rawInput: raw)
                case .object(let raw):
                    stats.rows += 1
                    mapper.collect(reader.tape)
                    if mapper.resolver.ignored.count > stats.ignoredColumns.count {
                        reportNewIgnoredColumns(&stats, mapper.resolver, configuration, diagnostics)
                    }
                    let mark = writer.bytes.count
                    do throws(MapFailure) {
                        try mapper.writeRecord(reader.tape, row: reader.lineNumber, into: &writer)
                        stats.records += 1
                    } catch {
                        writer.bytes.removeSubrange(mark...)
                        try rejects.add(Reject(stage: "map", row: reader.lineNumber, code: error.code, message: error.message), input: raw)
                    }
                }
                if let limit = configuration.maxRejects, rejects.total > limit {
                    try output.flush(&writer.bytes)
                    try rejects.flush()
                    throw TooManyRejects(limit: limit)
                }
                try output.maybeFlush(&writer.bytes)
                progress.tick(stats.rows)
            }
            try output.flush(&writer.bytes)
        } catch let error as OutputError where error == .closedPipe {
            // The reader went away: what was read is still counted below.
        }
        try rejects.flush()
        stats.rejected = rejects.total
        stats.rejectedByCode = rejects.byCode
        if mapper.orphanedRelationshipFields > 0 {
            let n = mapper.orphanedRelationshipFields
            diagnostics.warning("\(n) row\(n == 1 ? "" : "s") had relationshipFields but neither 'userId' nor 'email'; \(n == 1 ? "its object goes" : "their objects go") without a relationship")
        }
        return stats
    }

    private static func reportNewIgnoredColumns(_ stats: inout MapStats, _ resolver: ColumnResolver,
                                                _ configuration: MapConfiguration, _ diagnostics: Diagnostics) {
        guard resolver.ignored.count > stats.ignoredColumns.count else { return }
        for name in resolver.ignored[stats.ignoredColumns.count...] {
            var text = "column '\(name)' matches no \(configuration.destination.noun) field and is ignored"
            if let suggestion = NameSuggestion.suggest(for: name, among: resolver.knownNames) { text += " (did you mean '\(suggestion)'?)" }
            diagnostics.note(text)
            stats.ignoredColumns.append(name)
        }
    }
}

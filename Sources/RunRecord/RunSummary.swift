/// The one line a run ends with, from its history line, and the notes on columns the mapping
/// ignored or took despite their case.
public enum RunSummary {
    public static func text(of line: HistoryLine, sync: String, cause: String?) -> String {
        var text =
            "\(sync): \(line.status) in \(line.durationSeconds)s: \(line[.rowsExtracted]) rows, "
            + "\(line[.recordsSent]) sent, \(line[.succeeded]) succeeded, \(line[.failed]) failed, "
            + "\(line[.duplicatesSkipped]) duplicates, \(line[.unchangedSkipped]) unchanged"
        if !line.ignoredColumns.isEmpty { text += ", ignored columns: " + line.ignoredColumns.joined(separator: ", ") }
        if let error = line.error { text += "; \(error)" }
        if let cause, line.error.map({ !$0.contains(cause) }) ?? true { text += " (cause: \(cause))" }
        if line[.failed] > 0 { text += "; the errors: cv-sync errors \(sync) \(line.run)" }
        return text
    }

    /// The reason behind the most frequent reject, for a run that failed or alerts: "HTTP 401",
    /// "Couldn't connect to server", not only a count.
    public static func cause(_ rejects: RejectsSummary) -> String? {
        guard let top = rejects.entries.first, !top.message.isEmpty else { return nil }
        return "\(top.code): \(top.message)"
    }

    public static func columnNotes(_ stats: RunStats) -> [String] {
        var notes: [String] = []
        for member in stats.value(.map, "foldedColumns")?.objectValue?.members ?? [] {
            notes.append(
                "column '\(member.key)' was taken as '\(member.value.stringValue ?? "")' (the warehouse changed "
                    + "its case)")
        }
        let hints = stats.value(.map, "ignoredColumnSuggestions")?.objectValue
        for column in stats.ignoredColumns {
            var note = "column '\(column)' is ignored: no field of that name"
            if let hint = hints?[column]?.stringValue { note += " (did you mean '\(hint)'?)" }
            notes.append(note)
        }
        return notes
    }
}

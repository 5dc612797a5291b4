/// One alert per problem: NOTIFY_URL and the `--quiet` stderr speak when a sync's condition
/// changes (into failed or partially failed, from one cause to another, and back to healthy),
/// not on every run of the same condition. Only scheduled runs count: a manual retry or replay
/// neither alerts nor changes the condition.
public struct Alert: Sendable, Equatable {
    public enum Kind: String, Sendable { case problem, recovered }
    public var kind: Kind
    public var text: String

    /// What a run's condition is: healthy, or a problem with its cause. Two runs with the same
    /// condition are the same problem; counts do not matter, which codes or which error do.
    public static func condition(of line: HistoryLine) -> String? {
        guard let status = line.runStatus, status.isProblem else { return nil }
        if status == .failed { return "failed: " + (line.error.map(withoutNumbers) ?? "") }
        return "partially_failed: " + line.rejectsByCode.map(\.code).sorted().joined(separator: ",")
    }

    /// The alert `current` calls for after `previous` (the last scheduled run before it), if any.
    public static func decide(previous: HistoryLine?, current: HistoryLine, summary: String) -> Alert? {
        guard !current.manual, let status = current.runStatus, status != .skipped else { return nil }
        let before = previous.flatMap(condition(of:))
        let now = condition(of: current)
        if let now, now != before { return Alert(kind: .problem, text: summary) }
        if now == nil, before != nil, status == .succeeded {
            return Alert(kind: .recovered, text: summary + " (recovered)")
        }
        return nil
    }

    /// "2 records not delivered" and "5 records not delivered" are one cause.
    static func withoutNumbers(_ text: String) -> String {
        String(text.map { $0.isNumber ? "#" : $0 })
    }
}

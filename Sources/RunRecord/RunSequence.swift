import StreamIO
import TimeFormats

/// Run ids that sort in run order whatever the host clock does: `r000042-20261207T170000Z`, the
/// sync's next sequence number (kept in `state/NAME/run-sequence`) and, for people, the start
/// time. Ids of earlier versions (`20261201T170000.123Z-PID`) sort before every new one.
public enum RunSequence {
    public static func file(_ stateFolder: String) -> String { stateFolder + "/run-sequence" }

    /// The next id; call it under the sync's lock. The counter never goes back: it starts past
    /// every sequence the history and the run folders already hold.
    public static func next(stateFolder: String, now: Int64) throws -> (id: String, seq: Int) {
        let stored =
            (try? TextFile.read(file(stateFolder)))
            .flatMap { Int($0.trimmingCharacters(in: " \n")) } ?? 0
        let seen = max(
            (try History(stateFolder: stateFolder).lines()).compactMap(\.seq).max() ?? 0,
            FileTree.names(in: stateFolder + "/runs").compactMap(sequence(of:)).max() ?? 0)
        let seq = max(stored, seen) + 1
        try AtomicFile.write(Array("\(seq)\n".utf8), to: file(stateFolder))
        return (id(seq: seq, now: now), seq)
    }

    public static func id(seq: Int, now: Int64) -> String {
        let digits = String(seq)
        let padded = String(repeating: "0", count: max(0, 6 - digits.count)) + digits
        let time = UTCTimestamp.rfc3339(epochSeconds: now).filter { $0 != "-" && $0 != ":" }
        return "r\(padded)-\(time)"
    }

    /// The sequence number in a run id of this form, nil for an older id.
    public static func sequence(of id: String) -> Int? {
        guard id.hasPrefix("r"), let dash = id.firstIndex(of: "-") else { return nil }
        return Int(id[id.index(after: id.startIndex)..<dash])
    }

    /// The start time an id carries, RFC 3339 (ids of both forms begin or end with it).
    public static func startTime(of id: String) -> String? {
        let digits: Substring
        if sequence(of: id) != nil, let dash = id.firstIndex(of: "-") {
            digits = id[id.index(after: dash)...]
        } else {
            digits = id.prefix(15)
        }
        let d = Array(digits.utf8)
        guard d.count >= 15, d[8] == UInt8(ascii: "T") else { return nil }
        let text = String(decoding: d, as: UTF8.self)
        func part(_ from: Int, _ count: Int) -> Substring { text.dropFirst(from).prefix(count) }
        return "\(part(0, 4))-\(part(4, 2))-\(part(6, 2))T\(part(9, 2)):\(part(11, 2)):\(part(13, 2))Z"
    }

    /// Run folder names in run order: older ids by name (they began with their start time),
    /// then new ones by sequence.
    public static func ordered(_ names: [String]) -> [String] {
        names.sorted { a, b in
            switch (sequence(of: a), sequence(of: b)) {
            case (let x?, let y?): return x < y
            case (nil, _?): return true
            case (_?, nil): return false
            case (nil, nil): return a < b
            }
        }
    }
}

import JSONCodec
import SyncCore
import StreamIO

/// Counts of one filtering run:
/// recordsIn + retried = recordsOut + duplicates + unchanged + merged + superseded + rejected.
public struct DedupeStats: Sendable, Equatable {
    public var recordsIn = 0
    public var recordsOut = 0
    /// Events whose eventId came earlier in this run or was acknowledged in an earlier one.
    public var duplicates = 0
    /// Records whose content equals what Conversion acknowledged (with --changed-only).
    public var unchanged = 0
    /// Rows folded into another record with the same key.
    public var merged = 0
    public var rejected = 0
    public var blankLines = 0
    /// Records taken from the retry queue (not part of recordsIn).
    public var retried = 0
    /// Queued records replaced by a fresh record with the same key.
    public var superseded = 0
    /// Events given a derived eventId.
    public var derivedEventIds = 0

    public var json: JSONObject {
        [
            StatsKey.tool.rawValue: .string("cv-dedupe"), StatsKey.recordsIn.rawValue: .count(recordsIn),
            StatsKey.recordsOut.rawValue: .count(recordsOut), "duplicates": .count(duplicates),
            "unchanged": .count(unchanged), "merged": .count(merged), StatsKey.rejected.rawValue: .count(rejected),
            "retried": .count(retried), "superseded": .count(superseded), "derivedEventIds": .count(derivedEventIds),
        ]
    }

    public var summary: String {
        "\(recordsIn) records" + (retried > 0 ? " + \(retried) from the retry queue" : "")
            + ": \(recordsOut) out, \(duplicates) duplicates, \(unchanged) unchanged, \(merged) merged, "
            + (superseded > 0 ? "\(superseded) superseded, " : "") + "\(rejected) rejected"
    }

    public var balances: Bool {
        recordsIn + retried == recordsOut + duplicates + unchanged + merged + superseded + rejected
    }
}

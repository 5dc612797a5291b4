import JSONCodec

/// Counts of one filtering run: recordsIn = recordsOut + duplicates + unchanged + merged + rejected.
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

    public var json: JSONObject {
        ["tool": .string("cv-dedupe"), "recordsIn": .number(String(recordsIn)), "recordsOut": .number(String(recordsOut)),
         "duplicates": .number(String(duplicates)), "unchanged": .number(String(unchanged)),
         "merged": .number(String(merged)), "rejected": .number(String(rejected))]
    }

    public var summary: String {
        "\(recordsIn) records: \(recordsOut) out, \(duplicates) duplicates, \(unchanged) unchanged, \(merged) merged, \(rejected) rejected"
    }

    public var balances: Bool { recordsIn == recordsOut + duplicates + unchanged + merged + rejected }
}

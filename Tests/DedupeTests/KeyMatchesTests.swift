import Hashing
import SyncCore
import XCTest

@testable import Dedupe

/// The commit's key matching on its own: each pending entry of a partition told whether the run
/// acknowledged its key and whether its outcome settled it, from three sorted arrays.
final class KeyMatchesTests: XCTestCase {
    private func key(_ n: UInt64) -> StableHash128 { StableHash128(hi: n, lo: 0) }

    private func matches(_ pending: [UInt64], acks: [UInt64], settled: [UInt64]) -> [String] {
        let records = pending.enumerated().map { i, n in
            PendingRecord(
                entry: PendingLog.Entry(kind: .contact, key: key(n), content: key(0)), sequence: UInt64(i))
        }
        var walk = KeyMatches(records: records, acks: acks.map(key), settled: settled.map(key))
        var out: [String] = []
        while let m = walk.next() { out.append("\(m.entry.key.hi):\(m.isAcked ? "A" : "-")\(m.isSettled ? "S" : "-")") }
        return out
    }

    func testEachEntryIsMatchedWithTheSortedOutcomes() {
        XCTAssertEqual(
            matches([1, 2, 2, 5, 9], acks: [2, 3, 5], settled: [1, 4, 5]),
            ["1:-S", "2:A-", "2:A-", "5:AS", "9:--"])
    }

    func testNoOutcomesMatchNothingAndNoEntriesYieldNothing() {
        XCTAssertEqual(matches([3, 4], acks: [], settled: []), ["3:--", "4:--"])
        XCTAssertEqual(matches([], acks: [1], settled: [2]), [])
        XCTAssertEqual(matches([7], acks: [1, 2, 3, 8], settled: [6]), ["7:--"])
    }
}

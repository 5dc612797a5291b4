import Hashing
import Foundation
import SQLiteDatabase
import XCTest
import SyncCore

@testable import Dedupe

/// The Bloom filter kept in the state file: its layout, its error rate, and what happens when a
/// version that kept another layout wrote the state in between.
final class StateFilterTests: XCTestCase {
    func event(_ id: Int) -> String {
        "{\"type\":\"event\",\"eventId\":\"e-\(id)\",\"userId\":\"1\",\"event\":\"x\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"data\":{},\"row\":\(id)}"
    }

    func testTheFilterHasNoFalseNegativesAndAboutOnePercentFalsePositives() {
        var filter = BloomFilter(capacity: 200_000)
        // The same keys on every run.
        var random = SplitMix64(seed: 0x5EED)
        func next() -> UInt64 { random.next() }
        let members = (0..<200_000).map { _ in StableHash128(hi: next(), lo: next()) }
        for member in members { filter.insert(member) }
        XCTAssertTrue(members.allSatisfy(filter.mightContain))
        let strangers = (0..<200_000).map { _ in StableHash128(hi: next(), lo: next()) }
        let rate = Double(strangers.filter(filter.mightContain).count) / Double(strangers.count)
        XCTAssertLessThan(rate, 0.02, "false-positive rate \(rate)")
        XCTAssertEqual(filter.words.count % BloomFilter.blockWords, 0)
    }

    func testAStateWrittenBySeveralCommitsFindsEveryKey() throws {
        let h = try DedupeHarness()
        // 150 keys in two commits: batches of 64 rows, a partial batch, keys known and new.
        _ = try h.filter((1...100).map(event), run: "r1")
        try h.commit(run: "r1", keys: (1...100).map { "event:e-\($0)" })
        _ = try h.filter((51...150).map(event), run: "r2")
        let second = try h.commit(run: "r2", keys: (101...150).map { "event:e-\($0)" })
        XCTAssertEqual(second.acknowledged, 50)
        let state = try DedupeState(path: h.state)
        XCTAssertEqual(try state.ackedCount(), 150)
        XCTAssertEqual(try state.counts()[.event], 150)
        let (_, stats) = try h.filter((1...150).map(event), run: "r3")
        XCTAssertEqual(stats.duplicates, 150)
        XCTAssertEqual(stats.recordsOut, 0)
    }

    /// Versions before the blocked layout neither read nor update `blocked_filter`; one that
    /// commits in between leaves a `filter` row, and the blocked filter it did not update must
    /// not be trusted (it lacks that commit's keys: they would be sent again).
    func testAFilterLeftByAnOlderVersionIsRebuiltNotTrusted() throws {
        let h = try DedupeHarness()
        _ = try h.filter((1...500).map(event), run: "r1")
        try h.commit(run: "r1", keys: (1...500).map { "event:e-\($0)" })
        do {
            let database = try Database(path: h.state)
            // As an older version would leave it: its own filter, and ours now stale (empty).
            try database.execute("INSERT OR REPLACE INTO filter (id, bits) VALUES (1, zeroblob(8192))")
            try database.execute("UPDATE blocked_filter SET bits = zeroblob(length(bits))")
        }
        let (_, stats) = try h.filter((1...500).map(event), run: "r2")
        XCTAssertEqual(stats.duplicates, 500, "every key is still known")
        XCTAssertEqual(stats.recordsOut, 0)
        // The next commit saves the blocked filter and drops the older layout's row.
        try h.commit(run: "r2", keys: [])
        let database = try Database(path: h.state)
        XCTAssertFalse(try database.prepare("SELECT 1 FROM filter").step())
        XCTAssertTrue(try database.prepare("SELECT 1 FROM blocked_filter").step())
    }

    /// Keys already in the state come back in batches with new content: the rows are updated
    /// (and a key given twice ends with its last values), not just counted.
    func testContactsChangedSinceTheirLastCommitAreRememberedWithTheirNewContent() throws {
        let h = try DedupeHarness()
        func contact(_ id: Int, _ city: String) -> String {
            "{\"type\":\"contact\",\"userId\":\"\(id)\",\"fields\":{\"city\":\"\(city)\"},\"row\":\(id)}"
        }
        let keys = (1...130).map { "contact:userId:\($0)" }
        _ = try h.filter((1...130).map { contact($0, "Lisbon") }, run: "r1")
        try h.commit(run: "r1", keys: keys)
        let (changed, _) = try h.filter((1...130).map { contact($0, $0 % 2 == 0 ? "Porto" : "Lisbon") }, run: "r2")
        XCTAssertEqual(changed.count, 65)
        let result = try h.commit(run: "r2", keys: Array(changed.keys))
        XCTAssertEqual(result.acknowledged, 65)
        XCTAssertEqual(try DedupeState(path: h.state).ackedCount(), 130)
        let (again, stats) = try h.filter((1...130).map { contact($0, $0 % 2 == 0 ? "Porto" : "Lisbon") }, run: "r3")
        XCTAssertEqual(again.count, 0)
        XCTAssertEqual(stats.unchanged, 130)
    }
}

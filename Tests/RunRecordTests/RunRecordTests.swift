import Foundation
import JSONCodec
import RunRecord
import StreamIO
import XCTest

final class RunRecordTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "runrecord-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/runs", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    private func line(_ run: String, _ status: RunStatus, seq: Int? = nil, manual: Bool = false) -> HistoryLine {
        var line = HistoryLine(run: run, status: status.rawValue)
        line.seq = seq
        line.manual = manual
        return line
    }

    func testAVersionOneLineReadsAndAVersionTwoLineRoundTrips() throws {
        let old = try XCTUnwrap(
            HistoryLine(
                json: try XCTUnwrap(
                    JSONValue.parse(
                        #"{"run":"20200101T000000.000000000Z-1","start":"2020-01-01T00:00:00Z","status":"succeeded","rowsExtracted":3,"failed":0,"ignoredColumns":[]}"#
                    ).objectValue)))
        XCTAssertEqual(old.version, 1)
        XCTAssertNil(old.seq)
        XCTAssertEqual(old[.rowsExtracted], 3)
        XCTAssertTrue(old.serialized.hasPrefix(#"{"run":"20200101T000000.000000000Z-1","v":1,"#), old.serialized)
        var new = line("r000007-20261207T170000Z", .partiallyFailed, seq: 7, manual: true)
        new[.failed] = 2
        new.rejectsByCode = [("invalid_email", 2)]
        new.error = "x"
        let back = try XCTUnwrap(HistoryLine(json: try XCTUnwrap(JSONValue.parse(new.serialized).objectValue)))
        XCTAssertEqual(back, new)
        XCTAssertEqual(back.version, 2)
    }

    /// Runs are in sequence order, whatever their start times say (the clock stepped back);
    /// lines written before sequences existed come first, in the order they were written.
    func testHistoryIsInRunOrderNotClockOrder() throws {
        let history = History(stateFolder: folder)
        var a = line("20200101T000000.000000000Z-1", .succeeded)
        a.start = "2020-01-01T00:00:00Z"
        try history.append(a)
        var late = line(RunSequence.id(seq: 2, now: 1_000), .failed, seq: 2)
        late.start = "1970-01-01T00:16:40Z"
        var early = line(RunSequence.id(seq: 1, now: 2_000_000_000), .succeeded, seq: 1)
        early.start = "2033-05-18T03:33:20Z"
        try history.append(late)
        try history.append(early)
        try history.append(line("skipped-x", .skipped))
        XCTAssertEqual(try history.lines().map(\.run), [a.run, early.run, late.run, "skipped-x"])
        XCTAssertEqual(History.lastScheduled(try history.lines())?.run, late.run, "a skip is not the last run")
    }

    func testRunIdsFollowTheCounterAndSortInRunOrder() throws {
        let first = try RunSequence.next(stateFolder: folder, now: 1_796_662_800)
        XCTAssertEqual(first.id, "r000001-20261207T170000Z")
        // The counter is lost: the history and the folders still say where the order stands.
        try FileManager.default.createDirectory(atPath: folder + "/runs/" + first.id, withIntermediateDirectories: true)
        try FileManager.default.removeItem(atPath: RunSequence.file(folder))
        XCTAssertEqual(try RunSequence.next(stateFolder: folder, now: 0).seq, 2, "never a number already used")
        XCTAssertEqual(
            RunSequence.ordered(["r000010-19700101T000000Z", "r000009-20991231T000000Z", "20261201T170000.1Z-9"]),
            ["20261201T170000.1Z-9", "r000009-20991231T000000Z", "r000010-19700101T000000Z"])
        XCTAssertEqual(RunSequence.startTime(of: "r000010-20261207T170000Z"), "2026-12-07T17:00:00Z")
        XCTAssertEqual(RunSequence.startTime(of: "20261201T170000.123Z-42"), "2026-12-01T17:00:00Z")
    }

    /// KEEP_RUNS=2 with the clock stepped back deleted each new run's folder: the order was the
    /// folders' start times. Now the newest by sequence stay, and a run not committed stays.
    func testPruningKeepsTheNewestRunsByOrder() throws {
        let runs =
            [RunSequence.id(seq: 1, now: 2_000_000_000), RunSequence.id(seq: 2, now: 1_900_000_000)]
            + [RunSequence.id(seq: 3, now: 1_000)]
        for run in runs + ["20200101T000000.000000000Z-1"] {
            try FileManager.default.createDirectory(atPath: folder + "/runs/" + run, withIntermediateDirectories: true)
        }
        try FileManager.default.createDirectory(
            atPath: folder + "/dedupe.db.pending", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: folder + "/dedupe.db.pending/\(runs[0]).bin", contents: Data())
        XCTAssertEqual(RunPruning.prune(stateFolder: folder, keep: 2), ["20200101T000000.000000000Z-1"])
        XCTAssertEqual(Set(FileTree.names(in: folder + "/runs")), Set(runs), "the uncommitted run stays")
    }

    func testScheduleIsNeverStalledByAStartInTheFutureAndRetriesAFailureSoon() {
        let hourly = Schedule("1h")!
        let now: Int64 = 1_000_000
        XCTAssertEqual(hourly.nextDue(lastStart: nil, history: [], now: now).at, now)
        XCTAssertEqual(hourly.nextDue(lastStart: now - 100, history: [], now: now).at, now - 100 + 3600)
        let ahead = hourly.nextDue(lastStart: now + 86_400, history: [], now: now)
        XCTAssertEqual(ahead.at, now, "a day ahead (the clock went back): due now, not in 25 hours")
        let failed = [line("a", .succeeded), line("b", .failed), line("c", .failed, manual: true)]
        XCTAssertEqual(hourly.nextDue(lastStart: now, history: failed, now: now).at, now + 60)
        let three = failed + [line("d", .failed), line("e", .skipped), line("f", .failed)]
        XCTAssertEqual(hourly.nextDue(lastStart: now, history: three, now: now).at, now + 240)
        XCTAssertEqual(
            Schedule("15m")!.nextDue(lastStart: now, history: Array(repeating: line("x", .failed), count: 9), now: now)
                .at, now + 900, "never later than the interval")
    }

    /// One alert per problem: the same condition again says nothing; a new cause does; a
    /// success after a problem says recovered; manual runs never alert.
    func testAlertsFollowChangesOfCondition() {
        var hopeless = line("2", .partiallyFailed)
        hopeless.rejectsByCode = [("contact_not_found", 1)]
        var again = hopeless
        again.rejectsByCode = [("contact_not_found", 3)]
        XCTAssertEqual(Alert.decide(previous: line("1", .succeeded), current: hopeless, summary: "s")?.kind, .problem)
        XCTAssertNil(Alert.decide(previous: hopeless, current: again, summary: "s"), "the same problem")
        var down = line("3", .failed)
        down.error = "2 records not delivered after 6 attempts"
        var stillDown = down
        stillDown.error = "5 records not delivered after 6 attempts"
        XCTAssertEqual(Alert.decide(previous: again, current: down, summary: "s")?.kind, .problem)
        XCTAssertNil(Alert.decide(previous: down, current: stillDown, summary: "s"))
        XCTAssertEqual(
            Alert.decide(previous: stillDown, current: line("4", .succeeded), summary: "s")?.kind, .recovered)
        XCTAssertNil(Alert.decide(previous: nil, current: line("5", .succeeded), summary: "s"))
        XCTAssertNil(
            Alert.decide(previous: line("6", .succeeded), current: line("7", .failed, manual: true), summary: "s"))
    }

    func testVerdictChecksTheSumsAndTheRejectShare() {
        func stats(_ members: [RunStats.File: [(String, Int)]]) -> RunStats {
            RunStats(members.mapValues { JSONObject($0.map { ($0.0, JSONValue.number(String($0.1))) }) })
        }
        let balanced: [RunStats.File: [(String, Int)]] = [
            .extract: [("rows", 4)], .map: [("rows", 4), ("records", 3), ("rejected", 1)],
            .dedupe: [("recordsIn", 3), ("recordsOut", 3)], .load: [("recordsIn", 3), ("acks", 3)],
        ]
        XCTAssertEqual(
            RunVerdict.judge(stats(balanced), mode: .extract, requeued: 0, maxRejectPercent: 100, hasRejects: true),
            RunVerdict(status: .partiallyFailed, error: nil))
        var lost = balanced
        lost[.load] = [("recordsIn", 2), ("acks", 2)]
        XCTAssertEqual(
            RunVerdict.judge(stats(lost), mode: .extract, requeued: 0, maxRejectPercent: 100, hasRejects: true).error,
            "conservation check failed: cv-dedupe wrote 3 records, cv-load read 2")
        XCTAssertEqual(
            RunVerdict.judge(stats(balanced), mode: .extract, requeued: 0, maxRejectPercent: 25, hasRejects: true)
                .error,
            "1 of 4 records rejected (25%), at or above MAX_REJECT_PERCENT=25; see 'cv-sync errors'")
    }
}

import Foundation
import JSONCodec
import XCTest

/// cv-dedupe's commit as the only writer of what was sent: unknown outcomes, the retry queue,
/// derived eventIds, and runs killed before they finished.
final class DedupeOutcomeTests: XCTestCase {
    private var dir = ""
    private var state: String { dir + "/s.db" }

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "outcome-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private func file(_ name: String, _ lines: [String]) throws -> String {
        let path = dir + "/" + name
        try lines.map { $0 + "\n" }.joined().write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs the filter; returns the records it passed on and its counts.
    private func filter(_ run: String, _ lines: [String], _ extra: [String] = ["--changed-only", "--retry-queue"])
        throws -> ([JSONObject], JSONObject)
    {
        let input = try file("\(run).ndjson", lines)
        let result = try ToolRunner.run(
            "cv-dedupe", ["--state", state, "--run", run, "--stats", dir + "/\(run).json"] + extra + [input])
        XCTAssertEqual(result.status, 0, result.stderr)
        let out = result.stdout.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)).objectValue }
        let stats =
            try JSONValue.parse(String(contentsOfFile: dir + "/\(run).json", encoding: .utf8)).objectValue ?? [:]
        return (out, stats)
    }

    @discardableResult
    private func commit(_ run: String, acks: [String], rejects: [String] = [], _ extra: [String] = []) throws
        -> JSONObject
    {
        let a = try file("\(run)-acks.ndjson", acks)
        let r = try file("\(run)-rejects.ndjson", rejects)
        let result = try ToolRunner.run(
            "cv-dedupe",
            [
                "commit", "--state", state, "--run", run, "--acks", a, "--rejects", r,
                "--gave-up", dir + "/gave-up.ndjson", "--stats", dir + "/\(run)-commit.json",
            ] + extra)
        XCTAssertEqual(result.status, 0, result.stderr)
        return try JSONValue.parse(String(contentsOfFile: dir + "/\(run)-commit.json", encoding: .utf8)).objectValue
            ?? [:]
    }

    static func contact(_ name: String, row: Int = 1) -> String {
        "{\"type\":\"contact\",\"userId\":\"7\",\"fields\":{\"first_name\":\"\(name)\"},\"row\":\(row)}"
    }

    static func loadReject(_ record: String, key: String, code: String, retryable: Bool) -> String {
        "{\"stage\":\"load\",\"row\":1,\"code\":\"\(code)\",\"message\":\"m\",\"retryable\":\(retryable),\"key\":\"\(key)\",\"input\":\(record)}"
    }

    /// B sent and never confirmed, then the warehouse returns to A: A must be sent again, or
    /// Conversion keeps B for ever.
    func testAValueSentWithoutOutcomeIsNeverStranded() throws {
        _ = try filter("r1", [Self.contact("A")])
        try commit("r1", acks: [#"{"key":"contact:userId:7"}"#])
        let (second, _) = try filter("r2", [Self.contact("B")])
        XCTAssertEqual(second.count, 1)
        let outcome = try commit("r2", acks: [])
        XCTAssertEqual(outcome["invalidated"], .number("1"))
        let (third, stats) = try filter("r3", [Self.contact("A")])
        XCTAssertEqual(third.first?["fields"], .object(["first_name": .string("A")]), "A was taken as unchanged")
        XCTAssertEqual(stats["unchanged"], .number("0"))
        // A reject for the record's own data is an outcome: Conversion kept A, so A is unchanged.
        try commit("r3", acks: [#"{"key":"contact:userId:7"}"#])
        _ = try filter("r4", [Self.contact("bad")])
        try commit(
            "r4", acks: [],
            rejects: [
                Self.loadReject(Self.contact("bad"), key: "contact:userId:7", code: "invalid_field", retryable: false)
            ])
        XCTAssertEqual(try filter("r5", [Self.contact("A")]).1["unchanged"], .number("1"))
    }

    /// Retryable rejects come back on the next run, ahead of the input; a fresh record with the
    /// same key supersedes the queued one; an ack empties the queue.
    func testRetryQueueFeedsTheNextRunsAndFreshRecordsSupersede() throws {
        let event =
            #"{"type":"event","eventId":"o-1","userId":"ghost","event":"buy","timestamp":"2026-01-01T00:00:00Z","data":{},"row":1}"#
        _ = try filter("r1", [event, Self.contact("Old", row: 2)])
        let queued = try commit(
            "r1", acks: [],
            rejects: [
                Self.loadReject(event, key: "event:o-1", code: "contact_not_found", retryable: true),
                Self.loadReject(
                    Self.contact("Old", row: 2), key: "contact:userId:7", code: "server_error", retryable: true),
            ])
        XCTAssertEqual(queued["retryQueued"], .number("2"))
        XCTAssertEqual(queued["retryQueueSize"], .number("2"))
        let (out, stats) = try filter("r2", [Self.contact("New", row: 1)])
        XCTAssertEqual(stats["retried"], .number("2"))
        XCTAssertEqual(stats["superseded"], .number("1"))
        XCTAssertEqual(Set(out.compactMap { $0["key"]?.stringValue }), ["event:o-1", "contact:userId:7"])
        XCTAssertEqual(
            out.first { $0["type"] == .string("contact") }?["fields"], .object(["first_name": .string("New")]))
        let done = try commit("r2", acks: [#"{"key":"event:o-1"}"#, #"{"key":"contact:userId:7"}"#])
        XCTAssertEqual(done["retryQueueSize"], .number("0"))
        XCTAssertEqual(try filter("r3", []).1["retried"], .number("0"))
    }

    /// A record refused as retryable in MAX runs leaves the queue as a permanent reject.
    func testTheQueueGivesUpAfterItsRuns() throws {
        let event =
            #"{"type":"event","eventId":"o-9","userId":"ghost","event":"buy","timestamp":"2026-01-01T00:00:00Z","data":{},"row":3}"#
        let reject = Self.loadReject(event, key: "event:o-9", code: "contact_not_found", retryable: true)
        _ = try filter("r1", [event])
        XCTAssertEqual(
            try commit("r1", acks: [], rejects: [reject], ["--max-retry-runs", "2"])["retryQueued"], .number("1"))
        _ = try filter("r2", [])
        let last = try commit("r2", acks: [], rejects: [reject], ["--max-retry-runs", "2"])
        XCTAssertEqual(last["gaveUp"], .number("1"))
        XCTAssertEqual(last["retryQueueSize"], .number("0"))
        let gaveUp = try String(contentsOfFile: dir + "/gave-up.ndjson", encoding: .utf8)
        XCTAssertTrue(gaveUp.contains(#""stage":"retry","row":1,"code":"gave_up_after_2_runs""#), gaveUp)
        XCTAssertTrue(gaveUp.contains(#""eventId":"o-9""#), gaveUp)
    }

    /// EVENT_ID=derive: events without an eventId get one from their content, so a second
    /// copy in the run and a copy in a later run are both duplicates.
    func testDerivedEventIdsSendAnEventOnce() throws {
        let event =
            #"{"type":"event","userId":"7","event":"view","timestamp":"2026-01-01T00:00:00Z","data":{"page":"/"},"row":1}"#
        let (out, stats) = try filter("r1", [event, event], ["--derive-event-ids"])
        XCTAssertEqual(out.count, 1)
        XCTAssertEqual(stats["duplicates"], .number("1"))
        guard let id = out.first?["eventId"]?.stringValue else { return XCTFail("no eventId") }
        XCTAssertTrue(id.hasPrefix("derived-") && id.count == 40, id)
        try commit("r1", acks: ["{\"key\":\"event:\(id)\"}"])
        XCTAssertEqual(try filter("r2", [event], ["--derive-event-ids"]).0.count, 0)
        XCTAssertEqual(try filter("r3", [event], []).0.count, 1, "without derivation it always passes")
    }

    /// A run killed before it renamed its pending log is committed from what it wrote.
    func testAKilledRunIsCommittedFromItsPartialLog() throws {
        _ = try filter("r1", [Self.contact("A")])
        let pending = state + ".pending/r1.bin"
        try FileManager.default.moveItem(atPath: pending, toPath: pending + ".tmp")
        let stats = try ToolRunner.run("cv-dedupe", ["stats", "--state", state])
        XCTAssertTrue(stats.stdout.contains(#""uncommittedRuns":["r1"]"#), stats.stdout)
        XCTAssertEqual(try commit("r1", acks: [#"{"key":"contact:userId:7"}"#])["acknowledged"], .number("1"))
        XCTAssertEqual(try filter("r2", [Self.contact("A")]).1["unchanged"], .number("1"))
    }

    /// A record with a key member twice is refused, not keyed on whichever copy comes first.
    func testARecordWithADuplicatedMemberIsRejected() throws {
        let input = try file("dup.ndjson", [#"{"type":"contact","userId":"1","userId":"2","fields":{},"row":1}"#])
        let result = try ToolRunner.run(
            "cv-dedupe", ["--state", state, "--run", "d1", "--rejects", dir + "/dup-rejects.ndjson", input])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "")
        let rejects = try String(contentsOfFile: dir + "/dup-rejects.ndjson", encoding: .utf8)
        XCTAssertTrue(rejects.contains("member 'userId' appears twice; a record's key must be unambiguous"), rejects)
    }
}

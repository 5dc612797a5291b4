import Hashing
import Dedupe
import JSONCodec
import SyncCore
import XCTest

final class DedupeTests: XCTestCase {
    func contact(_ userId: String?, email: String? = nil, fields: String, row: Int) -> String {
        var parts = ["\"type\":\"contact\""]
        if let userId { parts.append("\"userId\":\"\(userId)\"") }
        if let email { parts.append("\"email\":\"\(email)\"") }
        parts.append("\"fields\":\(fields)")
        parts.append("\"row\":\(row)")
        return "{" + parts.joined(separator: ",") + "}"
    }

    func event(_ id: String?, row: Int) -> String {
        (id.map { "{\"type\":\"event\",\"eventId\":\"\($0)\"," } ?? "{\"type\":\"event\",")
            + "\"userId\":\"1\",\"event\":\"x\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"data\":{},\"row\":\(row)}"
    }

    func testContactsMergeByUserIdAndByEmailCaseInsensitively() throws {
        let h = try DedupeHarness()
        let (out, stats) = try h.filter(
            [
                contact("42", fields: #"{"first_name":"Ann","city":"Lisbon"}"#, row: 1),
                contact(nil, email: "Bo@X.com", fields: #"{"first_name":"Bo"}"#, row: 2),
                contact("42", email: "ann@x.com", fields: #"{"city":"Porto","job_title":"CTO"}"#, row: 3),
                contact(nil, email: " bo@x.com", fields: #"{"last_name":"Lee"}"#, row: 4),
            ], run: "r1")
        XCTAssertEqual(stats.recordsOut, 2)
        XCTAssertEqual(stats.merged, 2)
        let ann = out["contact:userId:42"]!
        XCTAssertEqual(
            ann["fields"],
            .object(["first_name": .string("Ann"), "city": .string("Porto"), "job_title": .string("CTO")]))
        XCTAssertEqual(ann["email"], .string("ann@x.com"))
        XCTAssertEqual(ann["row"], .number("1"))
        XCTAssertEqual(ann["mergedRows"], .array([.number("1"), .number("3")]))
        XCTAssertEqual(
            out["contact:email:bo@x.com"]?["fields"],
            .object(["first_name": .string("Bo"), "last_name": .string("Lee")]))
    }

    func testObjectsMergeWithTheUnionOfRelationships() throws {
        let h = try DedupeHarness()
        func object(_ contact: String, _ fields: String, _ rel: String, row: Int) -> String {
            "{\"type\":\"object\",\"objectType\":\"product\",\"id\":\"p1\",\"fields\":\(fields),\"relationships\":[{\(contact),\"fields\":\(rel)}],\"row\":\(row)}"
        }
        let (out, stats) = try h.filter(
            [
                object("\"email\":\"a@x.com\"", #"{"name":"Pro"}"#, #"{"role":"owner","quantity":1}"#, row: 1),
                object("\"email\":\"b@x.com\"", #"{"sku":"S1"}"#, #"{"role":"member"}"#, row: 2),
                object("\"email\":\"A@x.com\"", #"{"name":"Pro 2"}"#, #"{"quantity":3}"#, row: 3),
            ], run: "r1")
        XCTAssertEqual(stats.recordsOut, 1)
        XCTAssertEqual(stats.merged, 2)
        let p1 = out["object:product:p1"]!
        XCTAssertEqual(p1["fields"], .object(["name": .string("Pro 2"), "sku": .string("S1")]))
        guard case .array(let rels)? = p1["relationships"] else { return XCTFail() }
        XCTAssertEqual(rels.count, 2)
        XCTAssertEqual(rels[0].objectValue?["fields"], .object(["role": .string("owner"), "quantity": .number("3")]))
        XCTAssertEqual(rels[0].objectValue?["key"], .string("relationship:product:p1:email:a@x.com"))
        XCTAssertEqual(rels[1].objectValue?["key"], .string("relationship:product:p1:email:b@x.com"))

        // Only the acknowledged relationship is remembered: the other is sent again, alone.
        try h.commit(
            run: "r1", keys: ["object:product:p1"],
            relationshipKeys: ["object:product:p1": ["relationship:product:p1:email:a@x.com"]])
        let (again, stats2) = try h.filter(
            [
                object(
                    "\"email\":\"a@x.com\"", #"{"name":"Pro 2","sku":"S1"}"#, #"{"role":"owner","quantity":3}"#, row: 1),
                object("\"email\":\"b@x.com\"", #"{"name":"Pro 2","sku":"S1"}"#, #"{"role":"member"}"#, row: 2),
            ], run: "r2")
        XCTAssertEqual(stats2.recordsOut, 1)
        guard case .array(let resent)? = again["object:product:p1"]?["relationships"] else { return XCTFail() }
        XCTAssertEqual(resent.map { $0.objectValue?["email"] }, [.string("b@x.com")])
    }

    func testEventIdsWithinAndAcrossRuns() throws {
        let h = try DedupeHarness()
        let (out, stats) = try h.filter(
            [event("o-1", row: 1), event("o-2", row: 2), event("o-1", row: 3), event(nil, row: 4), event(nil, row: 5)],
            run: "r1")
        XCTAssertEqual(stats.duplicates, 2, "o-1 again, and the keyless event of the same content")
        XCTAssertEqual(stats.recordsOut, 3, "two with eventId, one without")
        XCTAssertEqual(out["event:o-1"]?["row"], .number("1"), "the first is kept")
        try h.commit(run: "r1", keys: ["event:o-1", "event:o-2"])
        let (_, again) = try h.filter([event("o-1", row: 1), event("o-3", row: 2)], run: "r2")
        XCTAssertEqual(again.duplicates, 1)
        XCTAssertEqual(again.recordsOut, 1)
    }

    private func keyless(_ n: Int, row: Int) -> String {
        "{\"type\":\"event\",\"email\":\"a@x.com\",\"event\":\"buy\",\"timestamp\":\"2026-01-01T00:00:00Z\","
            + "\"data\":{\"n\":\(n)},\"row\":\(row)}"
    }

    /// Events without an eventId were passed through unkeyed: after an outage the re-read rows
    /// sent the delivered ones again and the queue sent the refused ones twice (issue #26).
    func testEventsWithoutEventIdAreKeyedByTheirContent() throws {
        let h = try DedupeHarness()
        let (out, stats) = try h.filter([keyless(1, row: 1), keyless(2, row: 2)], run: "r1")
        XCTAssertEqual(stats.recordsOut, 2)
        XCTAssertTrue(out.keys.allSatisfy { $0.hasPrefix("eventContent:") }, "\(out.keys)")
        let delivered = try XCTUnwrap(out.first { $0.value["data"] == .object(["n": .number("1")]) }?.key)
        let refused = try XCTUnwrap(out.first { $0.value["data"] == .object(["n": .number("2")]) }?.key)
        // n=1 acknowledged; n=2 refused before processing (503): queued.
        let rejects = JSONValue.object([
            "stage": .string("load"), "code": .string("http_503"), "retryable": .bool(true),
            "message": .string("HTTP 503"), "input": out[refused].map(JSONValue.object) ?? .null,
        ]).serialized
        try (rejects + "\n").write(toFile: h.rejects, atomically: true, encoding: .utf8)
        var options = CommitOptions(acksPath: h.dir + "/r1.acks.ndjson")
        options.rejectsPath = h.rejects
        try (#"{"key":"\#(delivered)","status":"created"}"# + "\n").write(
            toFile: h.dir + "/r1.acks.ndjson", atomically: true, encoding: .utf8)
        _ = try DedupeState(path: h.state).commit(run: "r1", options)
        try FileManager.default.removeItem(atPath: h.rejects)
        // The watermark stayed: the same rows come again, behind the queued copy of n=2.
        let (again, next) = try h.filter(
            [keyless(1, row: 1), keyless(2, row: 2)], run: "r2", retryQueue: true)
        XCTAssertEqual(next.retried, 1)
        XCTAssertEqual(next.superseded, 1, "the fresh copy supersedes the queued one")
        XCTAssertEqual(next.duplicates, 1, "n=1 was delivered")
        XCTAssertEqual(next.recordsOut, 1)
        XCTAssertEqual(Array(again.keys), [refused])
    }

    func testChangedOnlyIgnoresKeyOrderAndNumberFormatButNotRealChanges() throws {
        let h = try DedupeHarness()
        _ = try h.filter([contact("1", fields: #"{"a":1.50,"b":"é","c":100}"#, row: 1)], run: "r1")
        try h.commit(run: "r1", keys: ["contact:userId:1"])
        let (_, same) = try h.filter([contact("1", fields: #"{"c":1e2,"b":"\u00e9","a":1.5}"#, row: 9)], run: "r2")
        XCTAssertEqual(same.unchanged, 1)
        XCTAssertEqual(same.recordsOut, 0)
        let (changed, real) = try h.filter([contact("1", fields: #"{"c":1e2,"b":"e","a":1.5}"#, row: 9)], run: "r3")
        XCTAssertEqual(real.recordsOut, 1)
        XCTAssertNotNil(changed["contact:userId:1"])
        let (_, full) = try h.filter(
            [contact("1", fields: #"{"a":1.5,"b":"é","c":100}"#, row: 1)], run: "r4", changedOnly: false)
        XCTAssertEqual(full.recordsOut, 1, "without --changed-only every record is sent")
    }

    func testCommitIsIdempotentAndPartialAcksCommitOnlyWhatWasAcked() throws {
        let h = try DedupeHarness()
        let records = (1...10).map { contact(String($0), fields: #"{"x":1}"#, row: $0) }
        _ = try h.filter(records, run: "r1")
        let first = try h.commit(run: "r1", keys: (1...5).map { "contact:userId:\($0)" } + ["contact:userId:999"])
        XCTAssertEqual(first.acknowledged, 5)
        XCTAssertEqual(first.unacknowledged, 5)
        XCTAssertEqual(first.unknownAcks, 1)
        let second = try h.commit(run: "r1", keys: (1...10).map { "contact:userId:\($0)" })
        XCTAssertTrue(second.alreadyCommitted)
        let (out, stats) = try h.filter(records, run: "r2")
        XCTAssertEqual(stats.unchanged, 5)
        XCTAssertEqual(Set(out.keys), Set((6...10).map { "contact:userId:\($0)" }))
    }

    /// A commit split into many key partitions on disk has the same outcome as one in memory.
    func testACommitSortedThroughDiskGivesTheSameResult() throws {
        let records =
            (1...500).map { contact(String($0), fields: "{\"n\":\($0)}", row: $0) }
            + (1...200).map { event("e\($0)", row: 500 + $0) }
        let acked =
            (1...500).filter { $0 % 3 != 0 }.map { "contact:userId:\($0)" }
            + (1...200).filter { $0.isMultiple(of: 2) }.map { "event:e\($0)" }
            + ["contact:userId:9999", "contact:userId:9999", "event:unsent"]
        var results: [CommitResult] = []
        var later: [[String: JSONObject]] = []
        var order = SplitMix64(seed: 7)
        for limit in [DedupeState.commitPartitionKeys, 7] {
            let h = try DedupeHarness()
            _ = try h.filter(records, run: "r1")
            results.append(try h.commit(run: "r1", keys: acked.shuffled(using: &order), partitionKeys: limit))
            later.append(try h.filter(records, run: "r2").out)
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: h.state + ".work.\(getpid())"), "the scratch folder is removed")
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[1].acknowledged, 434)
        XCTAssertEqual(results[1].unknownAcks, 2)
        XCTAssertEqual(later[0], later[1])
        XCTAssertEqual(later[1].count, 700 - 434)
    }

    func testAnUncommittedRunLeavesTheStateAsItWas() throws {
        let h = try DedupeHarness()
        let records = (1...20).map { event("e\($0)", row: $0) }
        _ = try h.filter(records, run: "killed")
        let before = try DedupeState(path: h.state).summary()
        let (_, stats) = try h.filter(records, run: "next")
        XCTAssertEqual(stats.recordsOut, 20, "nothing was marked as sent")
        XCTAssertEqual(try DedupeState(path: h.state).summary()["events"], before["events"])
        XCTAssertThrowsError(try h.filter(records, run: "bad/../id"))
    }

    func testForget() throws {
        let h = try DedupeHarness()
        _ = try h.filter([event("e1", row: 1), contact("1", fields: "{}", row: 2)], run: "r1")
        try h.commit(run: "r1", keys: ["event:e1", "contact:userId:1"])
        XCTAssertEqual(try DedupeState(path: h.state).forget([.event]), 1)
        let (_, stats) = try h.filter([event("e1", row: 1), contact("1", fields: "{}", row: 2)], run: "r2")
        XCTAssertEqual(stats.recordsOut, 1)
        XCTAssertEqual(stats.unchanged, 1)
        XCTAssertEqual(try DedupeState(path: h.state).forget([]), 1)
    }

    func testNewerStateFormatIsRefused() throws {
        let h = try DedupeHarness()
        _ = try DedupeState(path: h.state)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sqlite3", h.state, "UPDATE meta SET value = '99' WHERE name = 'format_version'"]
        try p.run()
        p.waitUntilExit()
        XCTAssertThrowsError(try DedupeState(path: h.state)) { error in
            XCTAssertEqual((error as? ToolError)?.exitStatus, .usage)
            XCTAssertEqual(
                (error as? ToolError)?.message,
                "state file '\(h.state)' has format version 99; this cv-dedupe reads version 1 and older")
        }
    }

    func testSmallMemoryBudgetSplitsPartitionsAndGivesTheSameResult() throws {
        let records = (0..<3000).map { contact(String($0 % 1000), fields: "{\"n\":\($0)}", row: $0 + 1) }
        let big = try DedupeHarness().filter(records, run: "a")
        let small = try DedupeHarness().filter(records, run: "a", memory: 8192)
        XCTAssertEqual(big.stats, small.stats)
        XCTAssertEqual(big.out.count, 1000)
        XCTAssertEqual(big.out, small.out)
        XCTAssertEqual(big.out["contact:userId:7"]?["fields"], .object(["n": .number("2007")]))
    }

    /// Partitions within the budget are prepared on a second thread and those over it split on
    /// the first; either way the output is the same, byte for byte and in the same order, and
    /// a resync against a committed state finds the same records unchanged.
    func testPartitionsPreparedAheadOrSplitGiveTheSameOutput() throws {
        let records = (0..<1500).map { contact(String($0), fields: "{\"n\":\($0)}", row: $0 + 1) }
        let changed = records.enumerated().map { i, r in
            i % 3 == 0 ? contact(String(i), fields: "{\"n\":-1}", row: i + 1) : r
        }
        var outputs: [String] = []
        // 1500 records in 64 partitions of some 2.6 KB each: about half over the second budget.
        for budget in [16 << 20, 2600] {
            let h = try DedupeHarness()
            let first = try h.filter(records, run: "a", memory: budget)
            try h.commit(run: "a", keys: Array(first.out.keys))
            let again = try h.filter(changed, run: "b", memory: budget)
            XCTAssertEqual(again.stats.unchanged, 1000)
            XCTAssertEqual(again.out.count, 500)
            outputs.append(
                try String(contentsOfFile: h.dir + "/a.out.ndjson", encoding: .utf8) + "--\n"
                    + String(contentsOfFile: h.dir + "/b.out.ndjson", encoding: .utf8))
        }
        XCTAssertEqual(Set(outputs).count, 1)
    }

    /// Records whose keys the state holds are spilled without their lines; the lines that turn
    /// out to be needed (a changed contact, one merged from two rows, an event not yet sent)
    /// are read back, in a partition prepared ahead and in one split level after level alike.
    func testRecordsSpilledWithoutTheirLinesAreSentWhenTheyChanged() throws {
        let first =
            (0..<1200).map { contact(String($0), fields: "{\"n\":\($0)}", row: $0 + 1) }
            + (0..<300).map { event("e\($0)", row: 1201 + $0) }
        var second: [String] = []
        for i in 0..<1300 {
            let n = i % 3 == 0 ? -1 : i
            second.append(contact(String(i), fields: "{\"n\":\(n)}", row: second.count + 1))
            // Two rows of one known key: merged from both lines, the second's field winning.
            if i % 7 == 0 { second.append(contact(String(i), fields: "{\"m\":\(i)}", row: second.count + 1)) }
        }
        second += (0..<400).map { event("e\($0)", row: second.count + 1 + $0) }
        var outputs: [String] = []
        for budget in [16 << 20, 4000] {
            let h = try DedupeHarness()
            let a = try h.filter(first, run: "a", memory: budget)
            XCTAssertEqual(a.out.count, 1500)
            try h.commit(run: "a", keys: Array(a.out.keys))
            let b = try h.filter(second, run: "b", memory: budget)
            // Changed: every third, the merged ones (a new member), and the 100 new keys.
            let changed = (0..<1300).filter { $0 >= 1200 || $0 % 3 == 0 || $0 % 7 == 0 }
            XCTAssertEqual(b.out.count, changed.count + 100, "\(b.stats)")
            XCTAssertEqual(b.stats.unchanged, 1300 - changed.count)
            XCTAssertEqual(b.stats.duplicates, 300)
            XCTAssertEqual(b.out["contact:userId:3"]?["fields"], .object(["n": .number("-1")]))
            XCTAssertEqual(b.out["contact:userId:3"]?["row"], .number("5"))
            XCTAssertEqual(b.out["contact:userId:14"]?["fields"], .object(["n": .number("14"), "m": .number("14")]))
            XCTAssertEqual(b.out["contact:userId:1250"]?["fields"], .object(["n": .number("1250")]))
            XCTAssertEqual(b.out["event:e350"]?["eventId"], .string("e350"))
            XCTAssertNil(b.out["contact:userId:4"])
            outputs.append(try String(contentsOfFile: h.dir + "/b.out.ndjson", encoding: .utf8))
        }
        XCTAssertEqual(Set(outputs).count, 1)
    }

    /// A contact is keyed by its userId when it has one, else by its normalized email; a key
    /// member given twice is refused even when the other member keys the record.
    func testContactKeysAndKeyMembersGivenTwice() throws {
        let h = try DedupeHarness()
        let records = [
            contact("7", email: "Seven@X.com", fields: "{}", row: 1),
            contact(nil, email: " Eight@X.com ", fields: "{}", row: 2),
            #"{"type":"contact","userId":"9","email":"a@x.com","email":"b@x.com","fields":{},"row":3}"#,
            #"{"type":"contact","userId":"10","userId":"11","fields":{},"row":4}"#,
        ]
        let (out, stats) = try h.filter(records, run: "r1")
        XCTAssertEqual(Set(out.keys), ["contact:userId:7", "contact:email:eight@x.com"])
        XCTAssertEqual(stats.rejected, 2)
        let rejects = try String(contentsOfFile: h.rejects, encoding: .utf8)
        XCTAssertTrue(rejects.contains("member 'email' appears twice"), rejects)
        XCTAssertTrue(rejects.contains("member 'userId' appears twice"), rejects)
    }

    func testCanonicalNumbers() {
        let cases = [
            "1.50": "1.5", "100": "100", "1e2": "100", "0.000": "0", "-0": "0", "1E+3": "1000", "12.5e-1": "1.25",
            "0.001": "0.001", "123456789012345678901234567890": "123456789012345678901234567890", "1e400": "1e400",
        ]
        for (input, expected) in cases { XCTAssertEqual(CanonicalNumber.normalize(input), expected, input) }
    }
}

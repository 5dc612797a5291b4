import Foundation
import JSONCodec
import XCTest

/// cv-load against cv-emulator over loopback.
final class LoadTests: XCTestCase {
    private var dir = ""
    static let key = "sk_test_Load_Secret_4242"

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "load-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private func write(_ lines: [String], _ name: String = "in.ndjson") throws -> String {
        let path = dir + "/" + name
        try (lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")).write(
            toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func load(_ emulator: EmulatorProcess, _ input: String, _ extra: [String] = [], key: String = LoadTests.key)
        throws -> (ToolRun, [JSONObject], [JSONObject], JSONObject)
    {
        let acks = dir + "/acks.ndjson"
        let rejects = dir + "/rejects.ndjson"
        let stats = dir + "/stats.json"
        for f in [acks, rejects, stats] { try? FileManager.default.removeItem(atPath: f) }
        let run = try ToolRunner.run(
            "cv-load",
            [
                "--api-url", emulator.url, "--rate", "0", "--acks", acks, "--rejects", rejects,
                "--stats", stats, input,
            ] + extra, environment: ["CONVERSION_API_KEY": key])
        func lines(_ path: String) -> [JSONObject] {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONValue.parse(String($0)).objectValue
            }
        }
        let counts =
            (try? JSONValue.parse(String(contentsOfFile: stats, encoding: .utf8).trimmingCharacters(in: .newlines)))?
            .objectValue ?? [:]
        let (a, r) = (lines(acks), lines(rejects))
        if let recordsIn = counts["recordsIn"], case .number(let n) = recordsIn {
            XCTAssertEqual(Int(n), a.count + r.count, "records in = acks + rejects")
        }
        for path in [acks, rejects, stats] {
            XCTAssertFalse(
                ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").contains(key), "API key in \(path)")
        }
        XCTAssertFalse(run.stderr.contains(key), "API key on stderr")
        XCTAssertFalse(run.stdout.contains(key), "API key on stdout")
        return (run, a, r, counts)
    }

    static func contact(_ i: Int, fields: String = #"{"first_name":"N"}"#) -> String {
        "{\"type\":\"contact\",\"userId\":\"u\(i)\",\"email\":\"c\(i)@x.com\",\"fields\":\(fields),\"row\":\(i),\"key\":\"contact:userId:u\(i)\"}"
    }

    static func event(_ i: Int, contact: Int) -> String {
        "{\"type\":\"event\",\"eventId\":\"o-\(i)\",\"userId\":\"u\(contact)\",\"email\":\"c\(contact)@x.com\",\"event\":\"purchase\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"data\":{\"n\":\(i)},\"row\":\(i),\"key\":\"event:o-\(i)\"}"
    }

    func testEachRecordTypeEndToEnd() throws {
        let e = try EmulatorProcess()
        defer { e.stop() }
        let input = try write(
            (1...3).map { Self.contact($0) } + [
                #"{"type":"object","objectType":"product","id":"p1","fields":{"name":"Pro"},"relationships":[{"email":"c1@x.com","fields":{"role":"owner","quantity":2},"key":"relationship:product:p1:email:c1@x.com"}],"row":4,"key":"object:product:p1"}"#,
                Self.event(5, contact: 2),
            ])
        let (run, acks, rejects, _) = try load(e, input)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(rejects.count, 0)
        XCTAssertEqual(acks.count, 5)
        let object = acks.first { $0["type"] == .string("object") }
        XCTAssertEqual(object?["relationshipKeys"], .array([.string("relationship:product:p1:email:c1@x.com")]))
        XCTAssertEqual(object?["key"], .string("object:product:p1"))
        guard case .array(let contacts)? = try HTTP.get(e.url + "/_emulator/contacts").json,
            case .array(let products)? = try HTTP.get(e.url + "/_emulator/objects/product").json,
            case .array(let events)? = try HTTP.get(e.url + "/_emulator/events").json
        else { return XCTFail() }
        XCTAssertEqual(contacts.count, 3)
        XCTAssertEqual(contacts[0].objectValue?["fields"], .object(["first_name": .string("N")]))
        XCTAssertEqual(products[0].objectValue?["relationships"]?.serialized.contains("\"quantity\":2"), true)
        XCTAssertEqual(events.first?.objectValue?["data"], .object(["n": .number("5")]))
        XCTAssertEqual(events.first?.objectValue?["userId"], .string("u2"))
    }

    func testBatchBoundaries() throws {
        let e = try EmulatorProcess()
        defer { e.stop() }
        for (count, requests) in [(0, 0), (1, 1), (1000, 1), (1001, 2)] {
            _ = try HTTP.post(e.url + "/_emulator/reset", "{}")
            let (run, acks, _, stats) = try load(e, try write((0..<count).map { Self.contact($0) }))
            XCTAssertEqual(run.status, 0)
            XCTAssertEqual(acks.count, count)
            XCTAssertEqual(stats["requests"], .number(String(requests)), "\(count) contacts")
        }
        let (_, _, _, events) = try load(e, try write((0..<201).map { Self.event($0, contact: 1) }))
        XCTAssertEqual(events["requests"], .number("2"), "201 events need two requests")
    }

    func testPartialFailuresAndBisection() throws {
        let e = try EmulatorProcess()
        defer { e.stop() }
        var lines = (0..<1000).map { Self.contact($0) }
        lines[10] = #"{"type":"contact","email":"bad-email","fields":{},"row":11}"#
        lines[20] = #"{"type":"contact","email":"x@x.com","fields":{"nope":1},"row":21}"#
        lines[737] = #"{"type":"contact","email":"y@x.com","fields":"oops","row":738}"#
        let (run, acks, rejects, stats) = try load(e, try write(lines))
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(acks.count, 997)
        XCTAssertEqual(Set(rejects.compactMap { $0["row"]?.serialized }), ["11", "21", "738"])
        let byRow = Dictionary(uniqueKeysWithValues: rejects.map { ($0["row"]!.serialized, $0) })
        XCTAssertEqual(byRow["11"]?["code"], .string("invalid_email"))
        XCTAssertEqual(byRow["21"]?["code"], .string("invalid_field"))
        XCTAssertEqual(byRow["738"]?["code"], .string("invalid_request"), "isolated by bisection")
        XCTAssertEqual(byRow["738"]?["input"]?.objectValue?["fields"], .string("oops"), "the record is kept for replay")
        guard case .number(let requests)? = stats["requests"], let n = Int(requests) else { return XCTFail() }
        XCTAssertLessThanOrEqual(n, 1 + 2 * 10, "bisection takes about 2·log2(1000) requests, got \(n)")
    }

    func test429StormIsRidOutAndEverythingDelivered() throws {
        let e = try EmulatorProcess(["--rate-limit", "4"])
        defer { e.stop() }
        let (run, acks, rejects, stats) = try load(
            e, try write((0..<12).map { Self.event($0, contact: 1) } + [Self.contact(1)]),
            ["--batch-size", "1", "--max-attempts", "20"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(acks.count, 13)
        XCTAssertEqual(rejects.count, 0)
        guard case .number(let n)? = stats["http429"], let storms = Int(n) else { return XCTFail() }
        XCTAssertGreaterThan(storms, 0, "the emulator did push back")
    }

    func testThirtyPercent500sDeliverEverythingWithoutDuplicateEvents() throws {
        let e = try EmulatorProcess(["--error-rate", "0.3", "--fail-after-processing-rate", "0.2", "--seed", "7"])
        defer { e.stop() }
        let lines = (0..<100).map { Self.contact($0) } + (0..<1000).map { Self.event($0, contact: $0 % 100) }
        let (run, acks, rejects, stats) = try load(e, try write(lines), ["--batch-size", "20", "--max-attempts", "12"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(acks.count, 1100)
        XCTAssertEqual(rejects.count, 0)
        XCTAssertNotEqual(stats["retries"], .number("0"))
        guard case .array(let events)? = try HTTP.get(e.url + "/_emulator/events").json else { return XCTFail() }
        XCTAssertEqual(events.count, 1000, "retries after fail-after-processing updated events in place")
    }

    func testDroppedConnectionsAreRetried() throws {
        let e = try EmulatorProcess(["--drop-rate", "0.3", "--seed", "3"])
        defer { e.stop() }
        let (run, acks, _, stats) = try load(
            e, try write((0..<200).map { Self.contact($0) }), ["--batch-size", "10", "--max-attempts", "12"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(acks.count, 200)
        XCTAssertNotEqual(stats["transportErrors"], .number("0"))
    }

    func testUnauthorizedStopsAtOnceWithoutShowingTheKey() throws {
        let e = try EmulatorProcess(["--api-key", "sk_live_the_right_one"])
        defer { e.stop() }
        let (run, acks, rejects, stats) = try load(
            e, try write((0..<3000).map { Self.contact($0) }), ["--batch-size", "100", "--concurrency", "2"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(acks.count, 0)
        XCTAssertEqual(rejects.count, 3000, "every record is accounted for as retryable")
        XCTAssertTrue(rejects.allSatisfy { $0["retryable"] == .bool(true) })
        XCTAssertTrue(
            run.stderr.contains(
                "cv-load: authentication refused (HTTP 401): missing or invalid X-API-Key; check CONVERSION_API_KEY "
                    + "or --api-key-file"
            ), run.stderr)
        guard case .number(let n)? = stats["requests"], let requests = Int(n) else { return XCTFail() }
        XCTAssertLessThanOrEqual(requests, 2, "stopped at once")
    }

    func testRetriesExhaustedRejectExactlyTheUndelivered() throws {
        let e = try EmulatorProcess()
        defer { e.stop() }
        _ = try HTTP.post(e.url + "/_emulator/faults", #"{"errorRate":1,"errorStatus":503}"#)
        let (run, acks, rejects, _) = try load(e, try write((0..<7).map { Self.contact($0) }), ["--max-attempts", "2"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(acks.count, 0)
        XCTAssertEqual(rejects.count, 7)
        XCTAssertTrue(
            rejects.allSatisfy {
                $0["code"] == .string("http_503") && $0["retryable"] == .bool(true) && $0["attempts"] == .number("2")
            })
        XCTAssertTrue(run.stderr.contains("7 records not delivered after 2 attempts"), run.stderr)
    }

    func testEventForMissingContactCreatesItWhenThereIsAnEmail() throws {
        let e = try EmulatorProcess()
        defer { e.stop() }
        let input = try write([
            #"{"type":"event","eventId":"a","email":"new@x.com","event":"signup","timestamp":"2026-01-01T00:00:00Z","data":{},"row":1}"#,
            #"{"type":"event","eventId":"b","userId":"ghost","event":"signup","timestamp":"2026-01-01T00:00:00Z","data":{},"row":2}"#,
        ])
        let (run, acks, rejects, _) = try load(e, input)
        XCTAssertEqual(run.status, 0)
        XCTAssertEqual(acks.count, 1)
        XCTAssertEqual(rejects.first?["code"], .string("contact_not_found"))
        XCTAssertEqual(rejects.first?["retryable"], .bool(true))
    }

    func testDryRunSendsNothing() throws {
        let e = try EmulatorProcess()
        defer { e.stop() }
        let run = try ToolRunner.run(
            "cv-load",
            ["--api-url", e.url, "--dry-run", "--batch-size", "2", try write((0..<3).map { Self.contact($0) })])
        XCTAssertEqual(run.status, 0)
        let requests = run.stdout.split(separator: "\n")
        XCTAssertEqual(requests.count, 2)
        XCTAssertTrue(
            requests[0].hasPrefix(
                #"{"method":"POST","path":"/v2/contacts/batch","body":{"contacts":[{"userId":"u0","email":"c0@x.com""#))
        guard case .array(let log)? = try HTTP.get(e.url + "/_emulator/requests").json else { return XCTFail() }
        XCTAssertEqual(log.count, 0)
        let noKey = try ToolRunner.run("cv-load", ["--api-url", e.url, try write([Self.contact(1)])])
        XCTAssertEqual(noKey.status, 2)
        XCTAssertEqual(noKey.stderr, "cv-load: no API key: set CONVERSION_API_KEY or pass --api-key-file FILE\n")
    }
}

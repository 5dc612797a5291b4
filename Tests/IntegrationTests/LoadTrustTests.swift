import Foundation
import JSONCodec
import XCTest

/// cv-load takes nothing on trust: answers that are not batch results, endpoints that are not
/// there, records no API would accept, a poison record, and its own rate limit.
final class LoadTrustTests: XCTestCase {
    private var dir = ""
    static let key = "sk_test_Trust_Secret_77"

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "trust-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private func write(_ lines: [String], _ name: String = "in.ndjson") throws -> String {
        let path = dir + "/" + name
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func lines(_ path: String) -> [JSONObject] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONValue.parse(String($0)).objectValue
        }
    }

    private func load(_ url: String, _ input: String, _ extra: [String] = [], tag: String = "") throws -> (
        ToolRun, acks: [JSONObject], rejects: [JSONObject]
    ) {
        let acks = dir + "/acks\(tag).ndjson"
        let rejects = dir + "/rejects\(tag).ndjson"
        let run = try ToolRunner.run(
            "cv-load", ["--api-url", url, "--rate", "0", "--acks", acks, "--rejects", rejects, input] + extra,
            environment: ["CONVERSION_API_KEY": Self.key])
        XCTAssertFalse(run.stderr.contains(Self.key))
        return (run, lines(acks), lines(rejects))
    }

    private func stored(_ e: EmulatorProcess) throws -> Int {
        guard case .array(let contacts)? = try HTTP.get(e.url + "/_emulator/contacts").json else { return -1 }
        return contacts.count
    }

    private func requests(_ e: EmulatorProcess) throws -> [JSONObject] {
        guard case .array(let list)? = try HTTP.get(e.url + "/_emulator/requests").json else { return [] }
        return list.compactMap(\.objectValue)
    }

    /// A 2xx that is not a batch result acknowledges nothing: every record is rejected as
    /// retryable invalid_response after the retries, and the run fails.
    func testAnswersThatAreNotBatchResultsAreNeverAcks() throws {
        let e = try EmulatorProcess()
        defer { e.stop() }
        let input = try write((1...5).map { LoadTests.contact($0) })
        for kind in ["html", "empty", "object", "data", "short"] {
            _ = try HTTP.post(e.url + "/_emulator/faults", "{\"invalidAnswers\":\"\(kind)\"}")
            let (run, acks, rejects) = try load(e.url, input, ["--max-attempts", "2"], tag: kind)
            XCTAssertEqual(run.status, 1, "\(kind): \(run.stderr)")
            XCTAssertEqual(acks.count, 0, kind)
            XCTAssertEqual(rejects.count, 5, kind)
            XCTAssertTrue(
                rejects.allSatisfy { $0["code"] == .string("invalid_response") && $0["retryable"] == .bool(true) },
                "\(kind): \(rejects)")
        }
        XCTAssertTrue(try requests(e).count >= 10)
    }

    /// `--check` notices a server that answers but is not the Conversion API.
    func testCheckRefusesAServerThatIsNotTheAPI() throws {
        let e = try EmulatorProcess()
        defer { e.stop() }
        _ = try HTTP.post(e.url + "/_emulator/faults", #"{"invalidAnswers":"html"}"#)
        let run = try ToolRunner.run(
            "cv-load", ["--check", "--api-url", e.url], environment: ["CONVERSION_API_KEY": Self.key])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("not the Conversion API"), run.stderr)
        _ = try HTTP.post(e.url + "/_emulator/faults", #"{"invalidAnswers":null}"#)
        let ok = try ToolRunner.run(
            "cv-load", ["--check", "--api-url", e.url], environment: ["CONVERSION_API_KEY": Self.key])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let wrongPath = try ToolRunner.run(
            "cv-load", ["--check", "--api-url", e.url + "/_emulator"], environment: ["CONVERSION_API_KEY": Self.key])
        XCTAssertEqual(wrongPath.status, 1, wrongPath.stderr)
        // https:// to a plain-HTTP server answered with OpenSSL's raw "wrong version number".
        let plain = try ToolRunner.run(
            "cv-load", ["--check", "--api-url", e.url.replacingOccurrences(of: "http://", with: "https://")],
            environment: ["CONVERSION_API_KEY": Self.key])
        XCTAssertEqual(plain.status, 1, plain.stderr)
        XCTAssertTrue(
            plain.stderr.contains("the server does not speak TLS at that address (is it an http:// server?)"),
            plain.stderr)
    }

    /// One record the server always chokes on is rejected alone; the other 999 are delivered.
    func testAPoisonRecordIsIsolatedByBisection() throws {
        let e = try EmulatorProcess()
        defer { e.stop() }
        _ = try HTTP.post(e.url + "/_emulator/faults", #"{"poison":"c617@x.com"}"#)
        let (run, acks, rejects) = try load(
            e.url, try write((1...1000).map { LoadTests.contact($0) }), ["--max-attempts", "3"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(acks.count, 999)
        XCTAssertEqual(rejects.count, 1)
        XCTAssertEqual(rejects.first?["code"], .string("server_error"))
        XCTAssertEqual(rejects.first?["retryable"], .bool(true))
        XCTAssertEqual(rejects.first?["row"], .number("617"))
        XCTAssertEqual(try stored(e), 999)
        XCTAssertLessThan(try requests(e).count, 40, "bisection, not one request per record")
    }

    /// A missing object type or endpoint is not about rows: the run stops (exit 1) and the
    /// records stay retryable.
    func testMissingObjectTypeAndMissingEndpointStopTheRun() throws {
        let e = try EmulatorProcess()
        defer { e.stop() }
        let objects = try write(
            (1...3).map {
                "{\"type\":\"object\",\"objectType\":\"gadget\",\"id\":\"g\($0)\",\"fields\":{},\"relationships\":[],\"row\":\($0),\"key\":\"object:gadget:g\($0)\"}"
            })
        let (run, acks, rejects) = try load(e.url, objects)
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("create the object type in Conversion, then run again"), run.stderr)
        XCTAssertEqual(acks.count, 0)
        XCTAssertTrue(
            rejects.allSatisfy { $0["code"] == .string("object_type_not_found") && $0["retryable"] == .bool(true) })
        let (lost, lostAcks, _) = try load(e.url + "/api", try write([LoadTests.contact(1)], "one.ndjson"), tag: "404")
        XCTAssertEqual(lost.status, 1, lost.stderr)
        XCTAssertEqual(lostAcks.count, 0)
        XCTAssertTrue(lost.stderr.contains("no endpoint POST /v2/contacts/batch"), lost.stderr)
    }

    /// Records replayed from anywhere are checked like the API would: nothing malformed is sent.
    func testRecordsNoAPIWouldAcceptAreRejectedUnsent() throws {
        let e = try EmulatorProcess()
        defer { e.stop() }
        let input = try write([
            #"{"type":"object","objectType":"../../x","id":"p1","fields":{},"relationships":[],"row":1}"#,
            #"{"type":"contact","userId":"u2","fields":{"lead_score":1e400},"row":2}"#,
            #"{"type":"contact","userId":"u3","userId":"u4","fields":{},"row":3}"#,
            #"{"type":"contact","userId":"u5","fields":{"city":"A","city":"B"},"row":4}"#,
        ])
        let (run, acks, rejects) = try load(e.url, input)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(acks.count, 0)
        XCTAssertEqual(rejects.map { $0["code"] }, Array(repeating: .string("invalid_record"), count: 4))
        let messages = rejects.compactMap { $0["message"]?.stringValue }
        XCTAssertTrue(messages[0].contains("is not an object type key"), messages[0])
        XCTAssertTrue(messages[1].contains("number 1e400 is outside the range"), messages[1])
        XCTAssertTrue(messages[2].contains("member 'userId' appears twice"), messages[2])
        XCTAssertTrue(messages[3].contains("member 'city' appears twice"), messages[3])
        XCTAssertEqual(try requests(e).count, 0, "nothing was sent")
    }

    /// Two cv-load processes for the same key share one budget, a margin below the limit: a
    /// server counting any one-second window never has to answer 429.
    func testParallelLoadsShareOneBudgetAndNever429() throws {
        let e = try EmulatorProcess()
        defer { e.stop() }
        _ = try HTTP.post(e.url + "/_emulator/faults", #"{"windowLimit":10}"#)
        let budget = dir + "/budget"
        try FileManager.default.createDirectory(atPath: budget, withIntermediateDirectories: true)
        let a = try write((1...30).map { LoadTests.contact($0) }, "a.ndjson")
        let b = try write((31...60).map { LoadTests.contact($0) }, "b.ndjson")
        let group = DispatchGroup()
        nonisolated(unsafe) var runs: [ToolRun] = []
        let lock = NSLock()
        let (url, folder) = (e.url, dir)
        for (input, tag) in [(a, "a"), (b, "b")] {
            DispatchQueue.global().async(group: group) {
                let run = try? ToolRunner.run(
                    "cv-load",
                    [
                        "--api-url", url, "--rate", "10", "--batch-size", "1", "--budget-dir", budget,
                        "--acks", folder + "/acks-\(tag).ndjson", "--rejects", folder + "/rej-\(tag).ndjson",
                        "--stats", folder + "/stats-\(tag).json", input,
                    ],
                    environment: ["CONVERSION_API_KEY": Self.key])
                lock.lock()
                if let run { runs.append(run) }
                lock.unlock()
            }
        }
        group.wait()
        XCTAssertEqual(runs.map(\.status), [0, 0], runs.map(\.stderr).joined())
        let statuses = try requests(e).compactMap { $0["status"] }
        XCTAssertEqual(statuses.count, 60)
        XCTAssertEqual(statuses.filter { $0 == .number("429") }.count, 0, "the limiter itself caused 429s")
        XCTAssertEqual(lines(dir + "/acks-a.ndjson").count + lines(dir + "/acks-b.ndjson").count, 60)
    }

    /// libcurl resends a request on its own when a reused connection dies under it; cv-load
    /// counts those resends and gives each a slot of the rate budget.
    func testResendsByTheHTTPLibraryAreCountedAndPaced() throws {
        let e = try EmulatorProcess(["--drop-rate", "0.3"])
        defer { e.stop() }
        let stats = dir + "/resend-stats.json"
        let run = try ToolRunner.run(
            "cv-load",
            [
                "--api-url", e.url, "--rate", "0", "--batch-size", "1", "--concurrency", "1",
                "--stats", stats, try write((1...40).map { LoadTests.contact($0) }),
            ],
            environment: ["CONVERSION_API_KEY": Self.key])
        XCTAssertEqual(run.status, 0, run.stderr)
        let counts = try JSONValue.parse(String(contentsOfFile: stats, encoding: .utf8)).objectValue ?? [:]
        XCTAssertEqual(
            counts["requests"], .number(String(try requests(e).count)), "every request the server saw is counted")
        XCTAssertNotEqual(counts["reconnects"], .number("0"), "\(counts)")
    }
}

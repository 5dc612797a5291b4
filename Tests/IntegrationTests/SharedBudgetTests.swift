import Foundation
import JSONCodec
import XCTest

/// cv-load processes on several hosts (here: separate --budget-dir folders, which is all a host
/// shares) syncing into one workspace keep its limit together through a budget in Redis, and
/// carry on with their own budgets when Redis goes away. Before, the budget was a file only a
/// host's own processes saw: two hosts sent twice the limit.
final class SharedBudgetTests: XCTestCase {
    private var dir = ""
    private let key = "sk_test_Budget_Secret_31"

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "budget-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    private func statuses(_ e: EmulatorProcess) throws -> [JSONValue] {
        guard case .array(let list)? = try HTTP.get(e.url + "/_emulator/requests").json else { return [] }
        return list.compactMap { $0.objectValue?["status"] }
    }

    /// `hosts` cv-load processes started together, each with its own budget folder and `records`
    /// contacts in batches of one; returns them once all have ended.
    private func loadFromHosts(
        _ hosts: Int, records: Int, emulator: EmulatorProcess, budgetURL: String, while during: () throws -> Void = {}
    ) throws -> [Launched] {
        var runs: [Launched] = []
        for host in 0..<hosts {
            let budget = "\(dir)/host\(host)"
            try FileManager.default.createDirectory(atPath: budget, withIntermediateDirectories: true)
            let input = "\(dir)/in\(host).ndjson"
            try ((1...records).map { LoadTests.contact(host * 10_000 + $0) }.joined(separator: "\n") + "\n").write(
                toFile: input, atomically: true, encoding: .utf8)
            runs.append(
                try Launcher.start(
                    [
                        ToolRunner.path(of: "cv-load"), "--api-url", emulator.url, "--rate", "10", "--batch-size", "1",
                        "--budget-dir", budget, "--budget-url", budgetURL, "--acks", "\(dir)/acks\(host).ndjson",
                        "--rejects", "\(dir)/rejects\(host).ndjson", input,
                    ], environment: ["CONVERSION_API_KEY": key]))
        }
        try during()
        for run in runs { _ = run.wait() }
        return runs
    }

    func testTwoHostsKeepOneLimitTogetherThroughRedis() throws {
        let redis = try RedisProcess()
        defer { redis.stop() }
        let emulator = try EmulatorProcess()
        defer { emulator.stop() }
        _ = try HTTP.post(emulator.url + "/_emulator/faults", #"{"windowLimit":10}"#)
        let began = Date()
        let runs = try loadFromHosts(2, records: 40, emulator: emulator, budgetURL: redis.url)
        let seconds = Date().timeIntervalSince(began)
        XCTAssertEqual(runs.map { $0.wait() }, [0, 0], runs.map(\.stderr).joined())
        let answers = try statuses(emulator)
        XCTAssertEqual(answers.count, 80, "one request a record, none repeated")
        XCTAssertEqual(answers.filter { $0 == .number("429") }.count, 0, "the server never had to refuse")
        XCTAssertEqual(lines("\(dir)/acks0.ndjson").count + lines("\(dir)/acks1.ndjson").count, 80)
        XCTAssertGreaterThanOrEqual(80 / seconds, 9, "together at least 90% of the limit (\(seconds) s)")
        XCTAssertFalse(runs.map(\.stderr).joined().contains("did not answer"))
    }

    /// Redis stopped mid-run: each cv-load says so once, goes on with its host's budget, and
    /// delivers every record (a 429 from the two hosts' overlap is retried, never lost).
    func testWithoutRedisEachHostFallsBackAndDeliversEverything() throws {
        let redis = try RedisProcess()
        let emulator = try EmulatorProcess()
        defer { emulator.stop() }
        _ = try HTTP.post(emulator.url + "/_emulator/faults", #"{"windowLimit":10}"#)
        let runs = try loadFromHosts(2, records: 25, emulator: emulator, budgetURL: redis.url) {
            XCTAssertTrue(try Waits.until { try self.statuses(emulator).count >= 12 })
            redis.stop()
        }
        XCTAssertEqual(runs.map { $0.wait() }, [0, 0], runs.map(\.stderr).joined())
        XCTAssertEqual(lines("\(dir)/acks0.ndjson").count + lines("\(dir)/acks1.ndjson").count, 50)
        XCTAssertEqual(lines("\(dir)/rejects0.ndjson").count + lines("\(dir)/rejects1.ndjson").count, 0)
        for run in runs {
            XCTAssertEqual(run.stderr.components(separatedBy: "did not answer").count - 1, 1, run.stderr)
            XCTAssertTrue(run.stderr.contains("this host's budget is used until it does"), run.stderr)
        }

        // Nothing listening from the start: the same, at once.
        let dead = "redis://127.0.0.1:\(try LoopbackPort.free())"
        let began = Date()
        let late = try loadFromHosts(1, records: 5, emulator: emulator, budgetURL: dead)
        XCTAssertEqual(late[0].wait(), 0, late[0].stderr)
        XCTAssertLessThan(Date().timeIntervalSince(began), 10, "no stall")
        XCTAssertTrue(late[0].stderr.contains("did not answer"), late[0].stderr)
    }
}

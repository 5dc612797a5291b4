import Foundation
import JSONCodec
import XCTest

/// wh-extract reports the run's start by the warehouse's clock, whatever this host's clock
/// says, and refuses a watermark in the warehouse's future.
final class ExtractClockTests: XCTestCase {
    /// libfaketime moves the tool's clock an hour ahead; the servers keep theirs. (The tool is
    /// started through a shell: exec'd directly under libfaketime, a Swift program can lose
    /// its arguments.)
    static let hourAhead = ["LD_PRELOAD": "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", "FAKETIME": "+3600"]

    private func stats(_ path: String) throws -> JSONObject {
        try JSONValue.parse(String(contentsOfFile: path, encoding: .utf8)).objectValue ?? [:]
    }

    private func extract(
        _ environment: [String: String], lastSyncTime: Int64 = 0, query: String = "SELECT 1 AS one",
        skew: Bool = true
    ) throws -> (ToolRun, JSONObject) {
        let path = NSTemporaryDirectory() + "clock-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, out, err) = try PipelineTests.shell(
            """
            skew=$(( $(date +%s) - \(Int64(Date().timeIntervalSince1970)) )); [ "$skew" -ge 3500 ] || [ \(skew ? 1 : 0) = 0 ] || { echo "faketime is not in effect: $skew" >&2; exit 99; }
            wh-extract --query-text '\(query)' --last-sync-time \(lastSyncTime) --stats '\(path)'
            """, environment: skew ? environment.merging(Self.hourAhead) { $1 } : environment)
        XCTAssertNotEqual(status, 99, err)
        let run = ToolRun(status: status, stdout: out, stderr: err, maxRSSKilobytes: 0)
        return (run, run.status == 0 ? try stats(path) : [:])
    }

    private func assertWarehouseClock(_ stats: JSONObject, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(stats["clock"], .string("warehouse"), file: file, line: line)
        guard case .number(let text)? = stats["startTime"], let start = Int64(text) else {
            return XCTFail("no startTime", file: file, line: line)
        }
        XCTAssertLessThan(
            abs(start - Int64(Date().timeIntervalSince1970)), 30, "the host's skewed clock was used", file: file,
            line: line)
    }

    func testPostgresStartTimeIsTheServersClock() throws {
        let (run, stats) = try extract(["WH_SOURCE": try TestServers.postgresURL()])
        XCTAssertEqual(run.status, 0, run.stderr)
        assertWarehouseClock(stats)
        let future = Int64(Date().timeIntervalSince1970) + 600
        let (refused, _) = try extract(["WH_SOURCE": try TestServers.postgresURL()], lastSyncTime: future)
        XCTAssertEqual(refused.status, 2)
        XCTAssertEqual(refused.stdout, "")
        XCTAssertTrue(refused.stderr.contains("--last-sync-time \(future) is"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("ahead of the warehouse's clock"), refused.stderr)
        // An hour ahead of the server is fine for this host, but not for the warehouse.
        let hostNow = Int64(Date().timeIntervalSince1970) + 3600
        XCTAssertEqual(try extract(["WH_SOURCE": try TestServers.postgresURL()], lastSyncTime: hostNow - 5).0.status, 2)
    }

    /// Embedded SQLite runs inside wh-extract: its clock is this host's, which is right for it.
    func testSQLiteStartTimeIsItsClock() throws {
        let db = NSTemporaryDirectory() + "clock-\(UUID().uuidString).db"
        defer { try? FileManager.default.removeItem(atPath: db) }
        XCTAssertEqual(try PipelineTests.shell("sqlite3 '\(db)' 'CREATE TABLE t (a int)'").0, 0)
        let (run, stats) = try extract(["WH_SOURCE": "sqlite:" + db], skew: false)
        XCTAssertEqual(run.status, 0, run.stderr)
        assertWarehouseClock(stats)
    }

    /// The cloud APIs state their clock in the Date header of the answer that starts the query.
    func testBigQueryStartTimeIsTheServicesDateHeader() throws {
        let api = try CloudEmulators.url("WH_TEST_BIGQUERY_URL")
        let environment = [
            "WH_SOURCE": "bigquery://wh-test", "BIGQUERY_API_URL": api, "BIGQUERY_ACCESS_TOKEN": "ya29.test-token",
        ]
        let (run, stats) = try extract(environment, query: "SELECT 1 AS one")
        XCTAssertEqual(run.status, 0, run.stderr)
        assertWarehouseClock(stats)
        let (refused, _) = try extract(
            environment, lastSyncTime: Int64(Date().timeIntervalSince1970) + 600, query: "SELECT 1 AS one")
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertEqual(refused.stdout, "", "no row leaves before the watermark is checked")
    }
}

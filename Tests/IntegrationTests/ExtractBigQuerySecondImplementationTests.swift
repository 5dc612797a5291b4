import Foundation
import XCTest

/// wh-extract against bqemulator, a second, independent implementation of BigQuery's REST API
/// (the first is crucible-emulator, ExtractBigQueryTests). It answers a failed query with HTTP
/// 200, `errors` and an empty schema, pages 10,000 rows by default, and sends TIMESTAMP as int64
/// microseconds whatever is asked.
final class ExtractBigQuerySecondImplementationTests: XCTestCase {
    private var emulator: BigQueryEmulator!

    override func setUpWithError() throws {
        emulator = try BigQueryEmulator("WH_TEST_BQEMULATOR_URL")
    }

    /// It printed no row and exited 0: the driver would have recorded a successful run and
    /// moved last_sync_time past rows it never read.
    func testAFailedQueryIsNeverReadAsZeroRows() throws {
        let table = CloudEmulators.unique("big")
        try emulator.runSQL("CREATE TABLE ds.\(table) AS SELECT 1 AS id")
        for (query, message) in [
            ("SELECT nosuch FROM shop.big", "Not found: Dataset wh-test:shop"),
            ("SELECT nosuch FROM ds.\(table)", "nosuch"),
        ] {
            let run = try emulator.extract(query)
            XCTAssertEqual(run.status, 1, "\(query): \(run.stderr)")
            XCTAssertEqual(run.stdout, "", query)
            XCTAssertTrue(run.stderr.hasPrefix("wh-extract: query failed"), run.stderr)
            XCTAssertTrue(run.stderr.contains(message), run.stderr)
        }
    }

    func testEveryTypeAndNullMapsExactly() throws {
        try emulator.assertEveryTypeAndNullMapsExactly()
    }

    /// Its default page is 10,000 rows: 30,000 come in three pages, in order, each once.
    func testTenThousandRowPagesArriveInOrder() throws {
        let run = try emulator.extract(
            "SELECT x FROM UNNEST(GENERATE_ARRAY(1, 30000)) AS x ORDER BY x", measureRSS: true)
        XCTAssertEqual(run.status, 0, run.stderr)
        assertSequential(run.stdout, key: "x", from: 1, count: 30_000)
        XCTAssertLessThan(run.maxRSSKilobytes, 64 * 1024, "memory is bounded by one page, not the result")
    }

    func testLastSyncTimeSelectsOnlyNewerRows() throws {
        let table = CloudEmulators.unique("events")
        try emulator.runSQL(
            "CREATE TABLE ds.\(table) AS SELECT x AS id, TIMESTAMP_SECONDS(x * 1000) AS updated_at FROM UNNEST([1, 2, 3]) "
                + "AS x")
        let query = "SELECT id FROM ds.\(table) WHERE updated_at > TIMESTAMP_SECONDS({{last_sync_time}}) ORDER BY id"
        try assertLastSyncTimeFilters(key: "id") { try emulator.extract(query, lastSyncTime: $0) }
    }
}

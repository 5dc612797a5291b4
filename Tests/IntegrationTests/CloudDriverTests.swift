import Foundation
import JSONCodec
import XCTest

/// scripts/cv-sync with each cloud warehouse as the source, end to end into cv-emulator: an
/// events sync whose query re-reads a five-minute buffer, run twice; the second run finds the
/// same rows and sends nothing (their eventIds were acknowledged).
final class CloudDriverTests: XCTestCase {
    private var emulator: EmulatorProcess!
    private var sync: SyncHome!

    override func tearDown() {
        emulator?.stop()
        sync?.remove()
    }

    private func start(environment: [String: String]) throws {
        emulator = try EmulatorProcess()
        sync = try SyncHome(emulatorURL: emulator.url, environment: environment)
    }

    /// Runs seeding SQL through wh-extract with the sync's environment.
    /// Runs the events sync twice and checks what Conversion holds.
    private func assertBufferedEventsSentOnce(
        source: String, query: String, rows: Int, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        try sync.writeSync("orders", ["SOURCE=\(source)", "TYPE=events"], query: query)
        try sync.cvSync(["run", "orders"], file: file, line: line)
        Waits.nextSecond()
        try sync.cvSync(["run", "orders"], file: file, line: line)
        let runs = try sync.history("orders")
        XCTAssertEqual(runs.map { $0["status"] }, [.string("succeeded"), .string("succeeded")], file: file, line: line)
        XCTAssertEqual(
            runs.map { $0["rowsExtracted"] }, [.number(String(rows)), .number(String(rows))], file: file, line: line)
        XCTAssertEqual(runs.map { $0["recordsSent"] }, [.number(String(rows)), .number("0")], file: file, line: line)
        XCTAssertEqual(runs[1]["duplicatesSkipped"], .number(String(rows)), file: file, line: line)
        guard case .array(let events)? = try HTTP.get(emulator.url + "/_emulator/events").json else {
            return XCTFail(file: file, line: line)
        }
        XCTAssertEqual(events.count, rows, file: file, line: line)
        XCTAssertEqual(
            Set(events.compactMap { $0.objectValue?["eventId"]?.stringValue }), Set((1...rows).map { "o-\($0)" }),
            file: file, line: line)
    }

    func testBigQueryEventsSyncSendsEachEventOnce() throws {
        let api = try CloudEmulators.url("WH_TEST_BIGQUERY_URL")
        try start(environment: ["BIGQUERY_API_URL": api, "BIGQUERY_ACCESS_TOKEN": "ya29.driver"])
        let table = CloudEmulators.unique("orders")
        _ = try HTTP.post(
            api + "/bigquery/v2/projects/wh-drv/datasets",
            #"{"datasetReference":{"projectId":"wh-drv","datasetId":"ds"}}"#)
        let create =
            "CREATE TABLE ds.\(table) AS SELECT x AS id, TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 30 SECOND) AS "
            + "created_at FROM UNNEST(GENERATE_ARRAY(1, 12)) AS x"
        XCTAssertEqual(
            try HTTP.post(
                api + "/bigquery/v2/projects/wh-drv/queries",
                JSONValue.object(["query": .string(create), "useLegacySql": .bool(false)]).serialized
            ).status, 200)
        try assertBufferedEventsSentOnce(
            source: "bigquery://wh-drv?dataset=ds",
            query: """
                SELECT CONCAT('u', CAST(MOD(id, 3) AS STRING), '@example.com') AS email, 'purchase' AS event_name, created_at AS `timestamp`,
                       CONCAT('o-', CAST(id AS STRING)) AS eventId, id AS n
                FROM \(table) WHERE created_at > TIMESTAMP_SECONDS({{last_sync_time}} - 300)
                """, rows: 12)
    }

    func testSnowflakeEventsSyncSendsEachEventOnce() throws {
        let api = try CloudEmulators.url("WH_TEST_SNOWFLAKE_URL")
        try start(environment: ["SNOWFLAKE_API_URL": api, "SNOWFLAKE_TOKEN": "driver-oauth"])
        let table = CloudEmulators.unique("ORDERS")
        let create =
            "CREATE TABLE \(table) AS SELECT seq4() + 1 AS id, DATEADD(second, -30, "
            + "CURRENT_TIMESTAMP())::TIMESTAMP_NTZ AS created_at FROM TABLE(GENERATOR(ROWCOUNT => 12))"
        try CloudEmulators.snowflakeSQL(api, create)
        try assertBufferedEventsSentOnce(
            source: "snowflake://drv/DB1/PUBLIC?warehouse=WH",
            query: """
                SELECT 'u' || (id % 3) || '@example.com' AS "email", 'purchase' AS "event_name", created_at AS "timestamp",
                       'o-' || id AS "eventId", id AS "n"
                FROM \(table) WHERE created_at > DATEADD(second, -300, TO_TIMESTAMP_NTZ({{last_sync_time}}))
                """, rows: 12)
    }

    func testDatabricksEventsSyncSendsEachEventOnce() throws {
        let api = try CloudEmulators.url("WH_TEST_DATABRICKS_URL")
        let warehouse = try CloudEmulators.url("WH_TEST_DATABRICKS_WAREHOUSE")
        try start(environment: ["DATABRICKS_API_URL": api, "DATABRICKS_TOKEN": "dapi-driver"])
        let table = CloudEmulators.unique("orders")
        let create =
            "CREATE TABLE \(table) AS SELECT i AS id, current_timestamp - INTERVAL 30 SECOND AS created_at FROM "
            + "range(1, 13) t(i)"
        try CloudEmulators.databricksSQL(api, warehouse: warehouse, create)
        // minilake runs DuckDB SQL: to_timestamp stands in for Databricks' timestamp_seconds.
        try assertBufferedEventsSentOnce(
            source: "databricks://adb-1.azuredatabricks.net/\(warehouse)",
            query: """
                SELECT 'u' || (id % 3) || '@example.com' AS email, 'purchase' AS event_name, created_at AS "timestamp",
                       'o-' || id AS "eventId", id AS n
                FROM \(table) WHERE created_at > to_timestamp({{last_sync_time}} - 300)
                """, rows: 12)
    }
}

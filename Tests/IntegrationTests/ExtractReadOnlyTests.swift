import Foundation
import JSONCodec
import XCTest

/// wh-extract cannot change the warehouse, even with a credential that may write: on each
/// warehouse a statement that writes is refused and the rows are still there afterwards.
final class ExtractReadOnlyTests: XCTestCase {
    private func extract(_ query: String, _ environment: [String: String]) throws -> ToolRun {
        try ToolRunner.run("wh-extract", ["--query-text", query, "--last-sync-time", "0"], environment: environment)
    }

    private func assertRefused(
        _ queries: [String], _ environment: [String: String], status: Int32, _ message: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        for query in queries {
            let run = try extract(query, environment)
            XCTAssertEqual(run.status, status, "\(query): \(run.stderr)", file: file, line: line)
            XCTAssertTrue(run.stderr.contains(message), "\(query): \(run.stderr)", file: file, line: line)
            XCTAssertEqual(run.stdout, "", query, file: file, line: line)
        }
    }

    private func writes(_ table: String) -> [String] {
        [
            "DELETE FROM \(table) WHERE x = 1", "UPDATE \(table) SET x = 5 WHERE x = 2 RETURNING x",
            "WITH d AS (DELETE FROM \(table) WHERE x = 2 RETURNING x) SELECT * FROM d",
        ]
    }

    func testPostgresRunsTheQueryReadOnly() throws {
        let url = try TestServers.postgresURL()
        let table = "ro_\(UInt32.random(in: 0...UInt32.max))"
        try TestServers.psql(url, "CREATE TABLE \(table) (x int); INSERT INTO \(table) VALUES (1), (2)")
        try assertRefused(writes(table), ["WH_SOURCE": url], status: 2, "a sync query must be one SELECT")
        XCTAssertEqual(
            try TestServers.psql(url, "SELECT string_agg(x::text, ',' ORDER BY x) FROM \(table)").trimmingCharacters(
                in: .whitespacesAndNewlines), "1,2")
        XCTAssertEqual(
            try extract("SELECT x FROM \(table) ORDER BY x", ["WH_SOURCE": url]).stdout, "{\"x\":1}\n{\"x\":2}\n")
    }

    func testPostgresThroughODBCRunsTheQueryReadOnly() throws {
        let url = try TestServers.postgresURL()
        let table = "ro_\(UInt32.random(in: 0...UInt32.max))"
        try TestServers.psql(url, "CREATE TABLE \(table) (x int); INSERT INTO \(table) VALUES (1), (2)")
        let (host, port, database) = TestServers.parts(of: url)
        let source =
            "odbc:Driver=PostgreSQL "
            + "Unicode;Server=\(host);Port=\(port);Database=\(database);Uid=postgres;SSLmode=disable"
        try assertRefused(
            writes(table) + [
                "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; DELETE FROM \(table); SELECT 1 AS a",
                "COMMIT; DELETE FROM \(table); SELECT 1 AS a",
            ], ["WH_SOURCE": source], status: 1, "ERROR: ")
        XCTAssertEqual(
            try TestServers.psql(url, "SELECT string_agg(x::text, ',' ORDER BY x) FROM \(table)").trimmingCharacters(
                in: .whitespacesAndNewlines), "1,2")
    }

    func testSQLiteIsOpenedReadOnly() throws {
        let path = NSTemporaryDirectory() + "ro-\(UUID().uuidString).db"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let seeded = try PipelineTests.shell(
            "sqlite3 '\(path)' 'CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2);'")
        XCTAssertEqual(seeded.0, 0, seeded.2)
        let environment = ["WH_SOURCE": "sqlite:\(path)"]
        try assertRefused(
            ["DELETE FROM t WHERE x = 1", "UPDATE t SET x = 5 WHERE x = 2 RETURNING x", "CREATE TABLE u (y int)"],
            environment, status: 1, "readonly database")
        try assertRefused(
            ["PRAGMA query_only = OFF; DELETE FROM t"], environment, status: 1, "only one SQL statement allowed")
        XCTAssertEqual(
            try PipelineTests.shell(
                "sqlite3 '\(path)' 'SELECT group_concat(x) FROM t; SELECT count(*) FROM sqlite_master'"
            ).1, "1,2\n1\n")
    }

    private func cloudWrites(_ table: String) -> [String] {
        [
            "DELETE FROM \(table) WHERE x = 1", "SELECT 1 AS a; DELETE FROM \(table)",
            "select x from \(table); drop table \(table)",
            "WITH d AS (SELECT 1 AS a) DELETE FROM \(table)", "/* report */ INSERT INTO \(table) SELECT 3",
            "CREATE TABLE \(table)_copy AS SELECT * FROM \(table)",
        ]
    }

    func testSnowflakeRefusesAnythingButOneSelect() throws {
        let api = try CloudEmulators.url("WH_TEST_SNOWFLAKE_URL")
        let table = CloudEmulators.unique("RO")
        try CloudEmulators.snowflakeSQL(api, "CREATE TABLE \(table) (x INT)")
        try CloudEmulators.snowflakeSQL(api, "INSERT INTO \(table) VALUES (1), (2)")
        let environment = [
            "WH_SOURCE": "snowflake://wh_test/DB1/PUBLIC?warehouse=WH", "SNOWFLAKE_API_URL": api,
            "SNOWFLAKE_TOKEN": "oauth-secret",
        ]
        try assertRefused(
            cloudWrites(table), environment, status: 2,
            "a sync query must be one SELECT (or WITH … SELECT) for Snowflake")
        let run = try extract("SELECT x AS \"x\" FROM \(table) ORDER BY x -- DELETE in a comment\n", environment)
        XCTAssertEqual(run.stdout, "{\"x\":\"1\"}\n{\"x\":\"2\"}\n", run.stderr)
    }

    func testDatabricksRefusesAnythingButOneSelect() throws {
        let api = try CloudEmulators.url("WH_TEST_DATABRICKS_URL")
        let warehouse = try CloudEmulators.url("WH_TEST_DATABRICKS_WAREHOUSE")
        let table = CloudEmulators.unique("ro")
        try CloudEmulators.databricksSQL(api, warehouse: warehouse, "CREATE TABLE \(table) (x INTEGER)")
        try CloudEmulators.databricksSQL(api, warehouse: warehouse, "INSERT INTO \(table) VALUES (1), (2)")
        let environment = [
            "WH_SOURCE": "databricks://adb-1.azuredatabricks.net/\(warehouse)", "DATABRICKS_API_URL": api,
            "DATABRICKS_TOKEN": "dapi-secret",
        ]
        try assertRefused(cloudWrites(table), environment, status: 2, "for Databricks")
        let run = try extract("SELECT x, 'drop table' AS `update` FROM \(table) ORDER BY x", environment)
        XCTAssertEqual(
            run.stdout, "{\"x\":1,\"update\":\"drop table\"}\n{\"x\":2,\"update\":\"drop table\"}\n", run.stderr)
    }

    func testBigQueryRefusesAnythingButOneSelect() throws {
        let api = try CloudEmulators.url("WH_TEST_BIGQUERY_URL")
        let project = "wh-ro"
        _ = try HTTP.post(
            api + "/bigquery/v2/projects/\(project)/datasets",
            #"{"datasetReference":{"projectId":"wh-ro","datasetId":"ds"}}"#)
        let table = "ds." + CloudEmulators.unique("ro")
        let seed = JSONValue.object([
            "query": .string("CREATE TABLE \(table) AS SELECT x FROM UNNEST([1, 2]) AS x"),
            "useLegacySql": .bool(false),
        ])
        XCTAssertEqual(try HTTP.post(api + "/bigquery/v2/projects/\(project)/queries", seed.serialized).status, 200)
        let environment = [
            "WH_SOURCE": "bigquery://\(project)", "BIGQUERY_API_URL": api, "BIGQUERY_ACCESS_TOKEN": "ya29.test-token",
        ]
        try assertRefused(
            cloudWrites(table) + [
                "SELECT 1 AS a # note\n; DELETE FROM \(table) WHERE true",
                "EXECUTE IMMEDIATE 'DELETE FROM \(table) WHERE true'",
            ],
            environment, status: 2, "for BigQuery")
        let run = try extract("SELECT x FROM \(table) ORDER BY x", environment)
        XCTAssertEqual(run.stdout, "{\"x\":1}\n{\"x\":2}\n", run.stderr)
    }
}

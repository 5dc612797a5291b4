import Foundation
import JSONCodec
import XCTest

final class ExtractODBCTests: XCTestCase {
    private func rows(_ ndjson: String) throws -> [JSONObject] {
        try ndjson.split(separator: "\n").map { try JSONValue.parse(String($0)).objectValue! }
    }

    func testPostgresThroughODBCMatchesLibpq() throws {
        let url = try TestServers.postgresURL()
        try TestServers.psql(url, AllTypesFixture.createSQL("wx_odbc_types"))
        let (host, port, database) = TestServers.parts(of: url)
        let source =
            "odbc:Driver=PostgreSQL "
            + "Unicode;Server=\(host);Port=\(port);Database=\(database);Uid=postgres;SSLmode=disable"
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT * FROM wx_odbc_types ORDER BY id"],
            environment: ["WH_SOURCE": source])
        XCTAssertEqual(run.status, 0, run.stderr)
        let viaODBC = try rows(run.stdout)
        let viaLibpq = try rows(AllTypesFixture.expected)
        XCTAssertEqual(viaODBC.count, 2)
        for (odbc, libpq) in zip(viaODBC, viaLibpq) {
            XCTAssertEqual(odbc.keys, libpq.keys)
            for key in libpq.keys where !AllTypesFixture.odbcOnlyTextColumns.contains(key) {
                XCTAssertEqual(odbc[key], libpq[key], key)
            }
        }
        XCTAssertEqual(viaODBC[0]["ai"], .string("{1,2,NULL}"))
    }

    func testODBCQueryErrorAndBadDriver() throws {
        let url = try TestServers.postgresURL()
        let (host, port, database) = TestServers.parts(of: url)
        let source =
            "odbc:Driver=PostgreSQL "
            + "Unicode;Server=\(host);Port=\(port);Database=\(database);Uid=postgres;Pwd=Odbc-S3cret;SSLmode=disable"
        let bad = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT nosuch"], environment: ["WH_SOURCE": source])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.hasPrefix("wh-extract: query failed: "), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("nosuch"), bad.stderr)
        let driver = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT 1"],
            environment: ["WH_SOURCE": "odbc:Driver=NoSuchDriver;Pwd=Odbc-S3cret"])
        XCTAssertEqual(driver.status, 1)
        XCTAssertTrue(
            driver.stderr.hasPrefix("wh-extract: connection failed: ODBC driver 'NoSuchDriver': "), driver.stderr)
        XCTAssertFalse(driver.stderr.contains("Odbc-S3cret"))
    }

    func testSQLiteEmbeddedDefault() throws {
        let path = NSTemporaryDirectory() + "wx-\(UUID().uuidString).db"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sql = """
            CREATE TABLE t (id INTEGER, name TEXT, amount NUMERIC, score REAL, ok BOOLEAN, ts TIMESTAMP, d DATE, b BLOB, j JSON);
            INSERT INTO t VALUES (1, 'Zoë "q"', 1.50, 0.1, 1, '2024-01-02 03:04:05.120', '2024-02-29', x'deadbeef', '{"a": [1, 2]}'),
                                 (2, NULL, NULL, NULL, 0, '2024-01-02T03:04:05+02:00', NULL, NULL, NULL);
            """
        let made = try Launcher.run(["sqlite3", path, sql])
        XCTAssertEqual(made.0, 0, made.2)
        let run = try ToolRunner.run(
            "wh-extract",
            [
                "--source", "sqlite:\(path)", "--query-text",
                "SELECT *, json_object('role', 'owner') AS rel FROM t WHERE id > {{last_sync_time}} ORDER BY id",
            ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(
            run.stdout,
            """
            {"id":1,"name":"Zoë \\"q\\"","amount":1.5,"score":0.1,"ok":true,"ts":"2024-01-02T03:04:05.12Z","d":"2024-02-29","b":"3q2+7w==","j":{"a":[1,2]},"rel":"{\\"role\\":\\"owner\\"}"}
            {"id":2,"name":null,"amount":null,"score":null,"ok":false,"ts":"2024-01-02T01:04:05Z","d":null,"b":null,"j":null,"rel":"{\\"role\\":\\"owner\\"}"}

            """)
        // A value longer than one SQLGetData piece, with a surrogate pair split across pieces.
        let long = try ToolRunner.run(
            "wh-extract",
            [
                "--source", "sqlite:\(path)", "--query-text",
                "SELECT replace(hex(zeroblob(32766)), '00', 'a') || '🎉' || 'z' AS t",
            ])
        XCTAssertEqual(long.stdout, "{\"t\":\"" + String(repeating: "a", count: 32766) + "🎉z\"}\n")
        let missing = try ToolRunner.run(
            "wh-extract", ["--source", "sqlite:/nonexistent/w.db", "--query-text", "SELECT 1"])
        XCTAssertEqual(
            missing.stderr,
            "wh-extract: connection failed: sqlite file '/nonexistent/w.db': No such file or directory\n")
        XCTAssertEqual(missing.status, 1)
    }
}

import SyncCore
import XCTest

@testable import WarehouseCore

final class SourceAndTemplateTests: XCTestCase {
    func testTemplateRendering() throws {
        XCTAssertEqual(
            try QueryTemplate.render("WHERE t > to_timestamp({{last_sync_time}})", lastSyncTime: 0),
            "WHERE t > to_timestamp(0)")
        XCTAssertEqual(
            try QueryTemplate.render("{{ last_sync_time }} - 300, {{last_sync_time}}", lastSyncTime: 1_700_000_000),
            "1700000000 - 300, 1700000000")
        XCTAssertEqual(
            try QueryTemplate.render("SELECT '{{1,2},{3,4}}'::int[]", lastSyncTime: 5), "SELECT '{{1,2},{3,4}}'::int[]")
        XCTAssertEqual(try QueryTemplate.render("no variables", lastSyncTime: 5), "no variables")
        XCTAssertThrowsError(try QueryTemplate.render("SELECT 1\nWHERE x > {{ since }}", lastSyncTime: 0)) { error in
            XCTAssertEqual(error as? QueryTemplateError, .unknownVariable(name: "since", line: 2))
            XCTAssertEqual(
                (error as? QueryTemplateError)?.message,
                "query line 2: unknown variable '{{since}}' (the only variable is '{{last_sync_time}}')")
        }
        XCTAssertEqual(QueryTemplate.variables(in: "{{a}} {{ last_sync_time }} '{{1,2}}'"), ["a", "last_sync_time"])
    }

    func testSourceParsing() throws {
        XCTAssertEqual(
            try WarehouseSource.parse("postgresql://u@h/db"),
            .postgres(conninfo: "postgresql://u@h/db", redshift: false))
        XCTAssertEqual(
            try WarehouseSource.parse("redshift://u@cluster.example/dev"),
            .postgres(conninfo: "postgresql://u@cluster.example:5439/dev?sslmode=require", redshift: true))
        XCTAssertEqual(
            try WarehouseSource.parse("redshift://u@h:5555/dev?sslmode=disable"),
            .postgres(conninfo: "postgresql://u@h:5555/dev?sslmode=disable", redshift: true))
        XCTAssertEqual(try WarehouseSource.parse("odbc:DSN=dw"), .odbc(connectionString: "DSN=dw"))
        XCTAssertEqual(try WarehouseSource.parse("sqlite:demo/w.db"), .sqlite(path: "demo/w.db"))
        XCTAssertThrowsError(try WarehouseSource.parse("mysql://x")) { error in
            XCTAssertEqual((error as? ToolError)?.exitStatus, .usage)
        }
        XCTAssertThrowsError(try WarehouseSource.parse("odbc:"))
    }

    func testLibpqKeywordStringsAreReadAsPostgresSources() throws {
        XCTAssertEqual(try WarehouseSource.parse("service=wh"), .postgres(conninfo: "service=wh", redshift: false))
        XCTAssertEqual(
            try WarehouseSource.parse("host=db dbname=dw"), .postgres(conninfo: "host=db dbname=dw", redshift: false))
        XCTAssertThrowsError(try WarehouseSource.parse("Host=db"))
    }

    func testScrubberRemovesSecrets() throws {
        let scrubber = SecretScrubber(secrets: ["se;cret", nil])
        XCTAssertEqual(scrubber.scrub("login failed for se;cret\n"), "login failed for ***")
    }

    func testErrorMessages() {
        XCTAssertEqual(
            ExtractError.queryFailed(reason: "syntax error", line: 2, column: 3, detail: "hint: x").message,
            "query failed at line 2 column 3: syntax error (hint: x)")
        XCTAssertEqual(ExtractError.lineAndColumn(ofCharacter: 12, in: "SELECT 1,\n  nosuch").line, 2)
        XCTAssertEqual(ExtractError.cancelled(signal: "SIGINT").exitStatus, .failure)
    }
}

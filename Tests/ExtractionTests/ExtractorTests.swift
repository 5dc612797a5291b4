import Extraction
import Foundation
import ODBCWarehouse
import SQLiteDatabase
import SyncCore
import WarehouseCore
import XCTest
import StreamIO

/// wh-extract's logic in process, on the embedded default (a SQLite file through the SQLite3 ODBC
/// driver): rows out and counted, the start time taken from the warehouse's clock, and the
/// checks that run before any row leaves (distinct column names, a watermark not ahead of the
/// warehouse, known template variables).
final class ExtractorTests: XCTestCase {
    private var folder = ""
    private var database = ""
    private var output = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "extract-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        database = folder + "/w.db"
        output = folder + "/out.ndjson"
        try Database(path: database).execute(
            """
            CREATE TABLE people (id INTEGER, email TEXT, updated_at INTEGER);
            INSERT INTO people VALUES (1, 'a@x.com', 100), (2, 'b@x.com', 200), (3, NULL, 300);
            """)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    private func extract(_ template: String, lastSyncTime: Int64 = 0) throws -> ExtractStats {
        let query = try ExtractConfiguration.render(template: template, lastSyncTime: lastSyncTime)
        let configuration = ExtractConfiguration(
            source: .sqlite(path: database), query: query, lastSyncTime: lastSyncTime, password: nil, statsPath: nil)
        let sink = try ByteSink(path: output)
        let diagnostics = Diagnostics(tool: "wh-extract") { _ in }
        return try Extractor.run(configuration, output: sink, diagnostics: diagnostics)
    }

    private var written: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }

    func testRowsAfterTheWatermarkAreWrittenAndCountedWithTheWarehousesStartTime() throws {
        guard ODBCWarehouseDriver.installed else { throw XCTSkip("the SQLite3 ODBC driver is not installed") }
        let before = Int64(Date().timeIntervalSince1970)
        let stats = try extract(
            "SELECT id, email FROM people WHERE updated_at > {{last_sync_time}} ORDER BY id", lastSyncTime: 150)
        XCTAssertEqual(written, "{\"id\":2,\"email\":\"b@x.com\"}\n{\"id\":3,\"email\":null}\n")
        XCTAssertEqual(stats.rows, 2)
        XCTAssertEqual(stats.clock, "warehouse")
        XCTAssertTrue((before - 2...before + 5).contains(stats.startTime), "start \(stats.startTime), host \(before)")
    }

    func testAColumnNameUsedTwiceStopsTheRunBeforeAnyRowLeaves() throws {
        guard ODBCWarehouseDriver.installed else { throw XCTSkip("the SQLite3 ODBC driver is not installed") }
        XCTAssertThrowsError(try extract("SELECT id AS email, email FROM people")) { error in
            XCTAssertEqual(error as? ExtractError, .duplicateColumn(name: "email", first: 1, second: 2))
        }
        XCTAssertEqual(written, "")
    }

    func testAWatermarkAheadOfTheWarehouseClockIsRefused() throws {
        guard ODBCWarehouseDriver.installed else { throw XCTSkip("the SQLite3 ODBC driver is not installed") }
        let future = Int64(Date().timeIntervalSince1970) + 86_400
        XCTAssertThrowsError(try extract("SELECT id FROM people", lastSyncTime: future)) { error in
            guard case .watermarkInFuture(let last, _, let clock)? = error as? ExtractError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(last, future)
            XCTAssertEqual(clock, "warehouse")
        }
        XCTAssertEqual(written, "")
    }

    func testAnUnknownTemplateVariableNamesItsLine() {
        XCTAssertThrowsError(
            try ExtractConfiguration.render(template: "SELECT 1\nWHERE x > {{since}}", lastSyncTime: 0)
        ) {
            XCTAssertEqual($0 as? QueryTemplateError, .unknownVariable(name: "since", line: 2))
            XCTAssertEqual(($0 as? ToolError)?.exitStatus, .usage)
        }
    }
}

/// Whether the embedded default's driver is installed (scripts/setup installs it; CI requires it).
enum ODBCWarehouseDriver {
    static var installed: Bool {
        let found = ODBCWarehouse.sqliteDriver().hasPrefix("/")
        if !found && ProcessInfo.processInfo.environment["CV_REQUIRE_SERVERS"] == "1" {
            XCTFail("the SQLite3 ODBC driver is not installed although CV_REQUIRE_SERVERS=1")
        }
        return found
    }
}

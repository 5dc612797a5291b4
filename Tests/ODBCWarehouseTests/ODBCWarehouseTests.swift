import SyncCore
import Foundation
import JSONCodec
import ODBCWarehouse
import SQLiteDatabase
import WarehouseCore
import XCTest

/// The unixODBC adapter in process, through the SQLite3 ODBC driver (the embedded default, which
/// scripts/setup installs): column types as the driver reports them, the read-only session, and
/// the driver's diagnostics as the error.
final class ODBCWarehouseTests: XCTestCase {
    struct Lines: RowSink {
        var lines: [String] = []
        mutating func rowEncoded(_ writer: inout JSONWriter) throws(ExtractError) {
            lines.append(writer.bytes.text)
            writer.bytes.removeAll()
        }
    }

    private var path = ""

    override func setUpWithError() throws {
        guard ODBCWarehouse.sqliteDriver().hasPrefix("/") else {
            if ProcessInfo.processInfo.environment["CV_REQUIRE_SERVERS"] == "1" {
                XCTFail("the SQLite3 ODBC driver is not installed although CV_REQUIRE_SERVERS=1")
            }
            throw XCTSkip("the SQLite3 ODBC driver is not installed (scripts/setup installs it)")
        }
        path = NSTemporaryDirectory() + "odbc-\(UUID().uuidString).db"
        let database = try Database(path: path)
        try database.execute(
            """
            CREATE TABLE t (id INTEGER, name TEXT, amount REAL, b BLOB);
            INSERT INTO t VALUES (1, 'Zoë "q"', 1.5, x'deadbeef'), (2, NULL, NULL, NULL);
            """)
    }

    override func tearDown() { unlink(path) }

    private func connect() throws -> ODBCWarehouse {
        try ODBCWarehouse(
            connectionString: "Driver=\(ODBCWarehouse.sqliteDriver());Database=\(path);NoTXN=1;", endpoint: "test",
            scrubber: SecretScrubber(secrets: []))
    }

    private func rows(_ query: String, on warehouse: ODBCWarehouse? = nil) throws -> [String] {
        let warehouse = try warehouse ?? connect()
        var writer = JSONWriter()
        var sink = Lines()
        try warehouse.stream(query: query, writer: &writer, sink: &sink)
        return sink.lines
    }

    func testRowsCarryTheDriversTypes() throws {
        XCTAssertEqual(try connect().dbmsName, "SQLite")
        XCTAssertEqual(
            try rows("SELECT id, name, amount, b FROM t ORDER BY id"),
            [
                #"{"id":1,"name":"Zoë \"q\"","amount":1.5,"b":"3q2+7w=="}"# + "\n",
                #"{"id":2,"name":null,"amount":null,"b":null}"# + "\n",
            ])
    }

    func testTheSessionIsReadOnly() throws {
        let warehouse = try connect()
        XCTAssertThrowsError(try rows("DELETE FROM t", on: warehouse))
        XCTAssertEqual(try rows("SELECT count(*) AS n FROM t", on: warehouse), ["{\"n\":2}\n"])
    }

    func testAQueryErrorIsTheDriversDiagnostic() throws {
        XCTAssertThrowsError(try rows("SELECT no_such_column FROM t")) { error in
            guard case .queryFailed(let reason, _, _, _)? = error as? ExtractError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("no_such_column"), reason)
        }
    }

    func testAnUnknownDriverIsAConnectionFailureNamingIt() throws {
        XCTAssertThrowsError(
            try ODBCWarehouse(
                connectionString: "Driver=No Such Driver;Database=x", endpoint: "driver 'No Such Driver'",
                scrubber: SecretScrubber(secrets: []))
        ) { error in
            guard case .connectionFailed(let endpoint, let reason)? = error as? ExtractError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(endpoint, "driver 'No Such Driver'")
            XCTAssertFalse(reason.isEmpty)
        }
    }
}

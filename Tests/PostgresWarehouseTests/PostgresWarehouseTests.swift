import SyncCore
import Foundation
import JSONCodec
import PostgresWarehouse
import WarehouseCore
import XCTest

/// The libpq adapter in process, against the PostgreSQL that scripts/test starts (WH_TEST_PG_URL):
/// rows as the server types them, errors in the server's words with secrets scrubbed, and a
/// cancel from another thread that stops a running statement on the server.
final class PostgresWarehouseTests: XCTestCase {
    /// Collects each encoded row as text.
    struct Lines: RowSink {
        var lines: [String] = []
        mutating func rowEncoded(_ writer: inout JSONWriter) throws(ExtractError) {
            lines.append(writer.bytes.text)
            writer.bytes.removeAll()
        }
    }

    private func url() throws -> String {
        if let url = ProcessInfo.processInfo.environment["WH_TEST_PG_URL"], !url.isEmpty { return url }
        if ProcessInfo.processInfo.environment["CV_REQUIRE_SERVERS"] == "1" {
            XCTFail("WH_TEST_PG_URL is not set although CV_REQUIRE_SERVERS=1")
        }
        throw XCTSkip("no PostgreSQL: run the suite with scripts/test, which starts one")
    }

    private func rows(_ query: String) throws -> [String] { try Self.rows(try url(), query) }

    private static func rows(_ url: String, _ query: String) throws -> [String] {
        let warehouse = try PostgresWarehouse(conninfo: url, password: nil, scrubber: SecretScrubber(secrets: []))
        var writer = JSONWriter()
        var sink = Lines()
        try warehouse.stream(query: query, writer: &writer, sink: &sink)
        return sink.lines
    }

    func testRowsKeepTheServersTypesExactly() throws {
        let lines = try rows(
            """
            SELECT 9007199254740993::bigint AS big, 1234567890.123456789::numeric AS num, 'tab\tquote"'::text AS t,
              true AS ok, NULL::int AS nothing, timestamptz '2024-01-02 03:04:05.25+01' AS at, '\\xdeadbeef'::bytea AS b,
              ARRAY[1, NULL, 3] AS arr, '{"a": [1, 2]}'::jsonb AS j, date '2024-02-29' AS d
            """)
        XCTAssertEqual(
            lines,
            [
                #"{"big":9007199254740993,"num":1234567890.123456789,"t":"tab\tquote\"","ok":true,"nothing":null,"#
                    + #""at":"2024-01-02T02:04:05.25Z","b":"3q2+7w==","arr":[1,null,3],"j":{"a":[1,2]},"#
                    + #""d":"2024-02-29"}"# + "\n"
            ])
    }

    func testRowsStreamInTheQuerysOrder() throws {
        let lines = try rows("SELECT g AS n FROM generate_series(1, 2500) g ORDER BY g")
        XCTAssertEqual(lines.count, 2500)
        XCTAssertEqual(lines.first, "{\"n\":1}\n")
        XCTAssertEqual(lines.last, "{\"n\":2500}\n")
    }

    func testAQueryErrorIsTheServersMessageWithItsPosition() throws {
        _ = try url()  // skips here without a server, not inside the assertion below
        XCTAssertThrowsError(try rows("SELECT\n  no_such_column FROM (SELECT 1) t")) { error in
            guard case .queryFailed(let reason, let line, _, _)? = error as? ExtractError else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue(reason.contains("no_such_column"), reason)
            XCTAssertEqual(line, 2)
        }
    }

    func testAWrongPasswordIsScrubbedFromTheReason() throws {
        let base = try url()
        let secret = "Not-The-Password-\(UInt32.random(in: 0...UInt32.max))"
        var parts = URLComponents(string: base)!
        parts.user = "wx_nobody"
        XCTAssertThrowsError(
            try PostgresWarehouse(
                conninfo: parts.string!, password: secret, scrubber: SecretScrubber(secrets: [secret]))
        ) { error in
            guard case .connectionFailed(_, let reason)? = error as? ExtractError else { return XCTFail("\(error)") }
            XCTAssertFalse(reason.contains(secret), reason)
        }
    }

    func testCancelFromAnotherThreadStopsTheStatementOnTheServer() throws {
        let url = try url()
        let warehouse = try PostgresWarehouse(conninfo: url, password: nil, scrubber: SecretScrubber(secrets: []))
        let started = Date()
        DispatchQueue.global().async {
            // The cancel must find the statement running: wait until the server shows it.
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                if let active = try? Self.rows(
                    url,
                    "SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE '%wx_adapter_cancel%' "
                        + "AND pid <> pg_backend_pid()"), active == ["{\"n\":1}\n"]
                {
                    break
                }
                usleep(20_000)
            }
            warehouse.cancel()
        }
        var writer = JSONWriter()
        var sink = Lines()
        XCTAssertThrowsError(
            try warehouse.stream(query: "SELECT pg_sleep(60) AS wx_adapter_cancel", writer: &writer, sink: &sink))
        XCTAssertTrue(warehouse.isCancelled)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20)
    }
}

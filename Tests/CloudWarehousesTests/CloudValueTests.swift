import JSONCodec
import SyncCore
import WarehouseCore
import XCTest

@testable import CloudWarehouses

/// Value conversion over response bodies recorded from the vendors' documented examples, for the
/// cases the emulators cannot produce.
final class CloudValueTests: XCTestCase {
    /// A `jobs.getQueryResults` page as BigQuery documents it (int64 timestamps requested).
    func testBigQueryRowsWithRecordsAndRepeatedFields() throws {
        let body = #"""
            {"kind":"bigquery#getQueryResultsResponse","jobComplete":true,"totalRows":"1",
             "schema":{"fields":[{"name":"id","type":"INTEGER","mode":"NULLABLE"},{"name":"at","type":"TIMESTAMP","mode":"NULLABLE"},
               {"name":"price","type":"BIGNUMERIC","mode":"NULLABLE"},{"name":"tags","type":"STRING","mode":"REPEATED"},
               {"name":"addr","type":"RECORD","mode":"NULLABLE","fields":[{"name":"city","type":"STRING"},{"name":"geo","type":"RECORD","mode":"REPEATED","fields":[{"name":"lat","type":"FLOAT"}]}]},
               {"name":"ok","type":"BOOLEAN","mode":"NULLABLE"},{"name":"f","type":"FLOAT","mode":"NULLABLE"}]},
             "rows":[{"f":[{"v":"7"},{"v":"1704164645000001"},{"v":"123456789012345678901234567890.123456789"},{"v":[{"v":"a"},{"v":"b"}]},
                           {"v":{"f":[{"v":"Paris"},{"v":[{"v":{"f":[{"v":"48.85"}]}}]}]}},{"v":"false"},{"v":"NaN"}]}]}
            """#
        var tape = JSONTape()
        var w = JSONWriter(capacity: 256)
        let bytes = Array(body.utf8)
        let written = try bytes.withUnsafeBufferPointer { buffer in
            try JSONParser(maxDepth: 64).parse(buffer, into: &tape)
            var rows = BigQueryRowWriter(fields: BigQueryShape.fields(of: tape.value("schema", of: 0)))
            return rows.write(tape, row: Array(tape.elements(ofArray: tape.member("rows", of: 0)!))[0], into: &w)
        }
        XCTAssertTrue(written)
        XCTAssertEqual(
            w.bytes.text,
            #"{"id":7,"at":"2024-01-02T03:04:05.000001Z","price":123456789012345678901234567890.123456789,"tags":["a","b"],"addr":{"city":"Paris","geo":[{"lat":48.85}]},"ok":false,"f":"NaN"}"#
                + "\n")
    }

    func testTypeNamesMapToEncodings() {
        XCTAssertEqual(SnowflakeTypes.encoding(ofType: "FIXED", scale: 0), .integer)
        XCTAssertEqual(SnowflakeTypes.encoding(ofType: "fixed", scale: 2), .decimal)
        XCTAssertEqual(SnowflakeTypes.encoding(ofType: "timestamp_tz", scale: 9), .epochSeconds)
        XCTAssertEqual(SnowflakeTypes.encoding(ofType: "TEXT", scale: 0), .text)
        XCTAssertEqual(DatabricksTypes.encoding(ofType: "DECIMAL(10,2)"), .decimal)
        XCTAssertEqual(DatabricksTypes.encoding(ofType: "ARRAY"), .json)
        XCTAssertEqual(DatabricksTypes.encoding(ofType: "INTEGER[]"), .json)
        XCTAssertEqual(DatabricksTypes.encoding(ofType: "TIMESTAMP WITH TIME ZONE"), .timestamp)
        XCTAssertEqual(DatabricksTypes.encoding(ofType: "LONG"), .integer)
        XCTAssertEqual(BigQueryShape.encoding(ofType: "DATETIME"), .timestamp)
    }

    func testErrorPositionsAreReadFromVendorMessages() {
        XCTAssertTrue(BigQueryErrors.position(in: "Syntax error: Unexpected keyword FROM at [3:7]")! == (3, 7))
        XCTAssertNil(BigQueryErrors.position(in: "Table not found"))
        XCTAssertTrue(
            SnowflakeErrors.position(
                in: "001003 (42000): SQL compilation error:\nsyntax error line 1 at position 7 unexpected 'FORM'.")!
                == (1, 8))
    }
}

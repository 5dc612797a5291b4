import JSONCodec
import SyncCore
import WarehouseCore
import XCTest
@testable import CloudWarehouses

/// Value conversion over response bodies recorded from the vendors' documented examples, for the
/// cases the emulators cannot produce.
final class CloudValueTests: XCTestCase {
    func testEpochDecimalIsExactForEveryForm() {
        XCTAssertTrue(EpochDecimal.split("1704164645.123456000")! == (1_704_164_645, 123_456_000))
        XCTAssertTrue(EpochDecimal.split("1.704164645123456E9")! == (1_704_164_645, 123_456_000))
        XCTAssertTrue(EpochDecimal.split("1.7E9")! == (1_700_000_000, 0))
        XCTAssertTrue(EpochDecimal.split("-1.5")! == (-2, 500_000_000))
        XCTAssertTrue(EpochDecimal.split("1700000000123456", unitDigits: 6)! == (1_700_000_000, 123_456_000))
        XCTAssertTrue(EpochDecimal.split("-1", unitDigits: 6)! == (-1, 999_999_000))
        XCTAssertTrue(EpochDecimal.split("253402300799.999999999")! == (253_402_300_799, 999_999_999))
        XCTAssertNil(EpochDecimal.split("1e"))
        XCTAssertNil(EpochDecimal.split("abc"))
        XCTAssertNil(EpochDecimal.split("1" + String(repeating: "0", count: 19)))
    }

    func testSnowflakeJSONv2Encodings() {
        XCTAssertEqual(encode("19724", .epochDays), #""2024-01-02""#)
        XCTAssertEqual(encode("-719162", .epochDays), #""0001-01-01""#)
        XCTAssertEqual(encode("45296.500000000", .secondsOfDay), #""12:34:56.5""#)
        XCTAssertEqual(encode("1704164645.123456000 1560", .epochSeconds), #""2024-01-02T03:04:05.123456Z""#)
        XCTAssertEqual(encode("616263", .hex), #""YWJj""#)
        XCTAssertEqual(encode("not-a-time", .epochSeconds), #""not-a-time""#, "text that does not parse is kept as a string")
        XCTAssertEqual(encode("86400.0", .secondsOfDay), #""86400.0""#)
    }

    func testBigQueryTimestampsInBothForms() {
        XCTAssertEqual(encode("1704164645123456", .epochMicroseconds), #""2024-01-02T03:04:05.123456Z""#)
        XCTAssertEqual(encode("1.704164645123456E9", .epochMicroseconds), #""2024-01-02T03:04:05.123456Z""#)
        XCTAssertEqual(encode("-62135596800000000", .epochMicroseconds), #""0001-01-01T00:00:00Z""#)
    }

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
        var bytes = Array(body.utf8)
        try bytes.withUnsafeMutableBufferPointer { try JSONParser(maxDepth: 64).parse(UnsafeBufferPointer($0), into: &tape) }
        var rows = BigQueryRowWriter(fields: BigQueryShape.fields(of: tape.value("schema", of: 0)))
        var w = JSONWriter(capacity: 256)
        let row = tape.elements(of: tape.member("rows", of: 0)!)[0]
        XCTAssertTrue(bytes.withUnsafeBufferPointer { _ in rows.write(tape, row: row, into: &w) })
        XCTAssertEqual(w.bytes.text, #"{"id":7,"at":"2024-01-02T03:04:05.000001Z","price":123456789012345678901234567890.123456789,"tags":["a","b"],"addr":{"city":"Paris","geo":[{"lat":48.85}]},"ok":false,"f":"NaN"}"# + "\n")
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
        XCTAssertTrue(SnowflakeErrors.position(in: "001003 (42000): SQL compilation error:\nsyntax error line 1 at position 7 unexpected 'FORM'.")! == (1, 8))
    }

    private func encode(_ text: String, _ encoding: ColumnEncoding) -> String {
        var encoder = ValueEncoder()
        var w = JSONWriter(capacity: 64)
        var copy = text
        copy.withUTF8 { encoder.encode($0, as: encoding, into: &w) }
        return w.bytes.text
    }
}

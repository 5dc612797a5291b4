import JSONCodec
import WarehouseCore
import XCTest

/// Column text to JSON, including the epoch-based forms the cloud warehouses send (Snowflake
/// jsonv2, BigQuery timestamps).
final class ValueEncoderTests: XCTestCase {
    func testBooleanWordsInAnyCase() {
        for word in ["t", "TRUE", "True", "1", "y", "Yes", "on"] {
            XCTAssertEqual(encode(word, .boolean), "true", word)
        }
        for word in ["f", "FALSE", "False", "0", "n", "No", "OFF"] {
            XCTAssertEqual(encode(word, .boolean), "false", word)
        }
        for word in ["", "tru", "truex", "2", "ja", "falsey"] {
            XCTAssertEqual(encode(word, .boolean), JSONValue.string(word).serialized, word)
        }
    }

    func testSnowflakeJSONv2Encodings() {
        XCTAssertEqual(encode("19724", .epochDays), #""2024-01-02""#)
        XCTAssertEqual(encode("-719162", .epochDays), #""0001-01-01""#)
        XCTAssertEqual(encode("45296.500000000", .secondsOfDay), #""12:34:56.5""#)
        XCTAssertEqual(encode("1704164645.123456000 1560", .epochSeconds), #""2024-01-02T03:04:05.123456Z""#)
        XCTAssertEqual(encode("616263", .hex), #""YWJj""#)
        XCTAssertEqual(
            encode("not-a-time", .epochSeconds), #""not-a-time""#, "text that does not parse is kept as a string")
        XCTAssertEqual(encode("86400.0", .secondsOfDay), #""86400.0""#)
    }

    func testBigQueryTimestampsInBothForms() {
        XCTAssertEqual(encode("1704164645123456", .epochMicroseconds), #""2024-01-02T03:04:05.123456Z""#)
        XCTAssertEqual(encode("1.704164645123456E9", .epochMicroseconds), #""2024-01-02T03:04:05.123456Z""#)
        XCTAssertEqual(encode("-62135596800000000", .epochMicroseconds), #""0001-01-01T00:00:00Z""#)
    }

    private func encode(_ text: String, _ encoding: ColumnEncoding) -> String {
        var encoder = ValueEncoder()
        var w = JSONWriter(capacity: 64)
        encoder.encode(Array(text.utf8).span, as: encoding, into: &w)
        return w.bytes.text
    }
}

import JSONCodec
import XCTest

@testable import WarehouseCore

final class RowEncoderTests: XCTestCase {
    private func encode(_ encoding: ColumnEncoding, _ text: String?) -> String {
        var encoder = RowEncoder(columns: [ColumnDescription(name: "v", encoding: encoding)])
        var w = JSONWriter()
        if let text {
            encoder.encode(column: 0, text: Array(text.utf8).span, into: &w)
        } else {
            encoder.encode(column: 0, text: nil, into: &w)
        }
        encoder.endRow(into: &w)
        let line = w.bytes.text
        return String(line.dropFirst(5).dropLast(2))
    }

    func testNumbersStayExact() {
        XCTAssertEqual(encode(.integer, "9223372036854775807"), "9223372036854775807")
        XCTAssertEqual(
            encode(.decimal, "1234567890123456789012345678.0123456789"), "1234567890123456789012345678.0123456789")
        XCTAssertEqual(encode(.decimal, "NaN"), "\"NaN\"")
        XCTAssertEqual(encode(.float, "-Infinity"), "\"-Infinity\"")
        XCTAssertEqual(encode(.float, "1e+20"), "1e+20")
        XCTAssertEqual(encode(.integer, "abc"), "\"abc\"", "SQLite may store text in an INTEGER column")
    }

    func testOtherScalars() {
        XCTAssertEqual(encode(.boolean, "t"), "true")
        XCTAssertEqual(encode(.boolean, "0"), "false")
        XCTAssertEqual(encode(.boolean, "maybe"), "\"maybe\"")
        XCTAssertEqual(encode(.text, "a\"b\n"), "\"a\\\"b\\n\"")
        XCTAssertEqual(
            encode(.uuid, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"), "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"")
        XCTAssertEqual(encode(.timestamp, "2024-01-02 03:04:05+00"), "\"2024-01-02T03:04:05Z\"")
        XCTAssertEqual(encode(.timestamp, "infinity"), "\"infinity\"")
        XCTAssertEqual(encode(.byteaHex, "\\xdeadbeef"), "\"3q2+7w==\"")
        XCTAssertEqual(encode(.binary, "foo"), "\"Zm9v\"")
        XCTAssertEqual(encode(.json, "{\"a\": [1,\n 2]}"), "{\"a\":[1,2]}")
        XCTAssertEqual(encode(.json, "{broken"), "\"{broken\"")
        XCTAssertEqual(encode(.text, nil), "null")
    }

    func testArrays() {
        XCTAssertEqual(encode(.array(.integer), "{1,2,NULL}"), "[1,2,null]")
        XCTAssertEqual(
            encode(.array(.text), "{\"a b\",\"c\\\"d\",null,\"NULL\"}"), "[\"a b\",\"c\\\"d\",null,\"NULL\"]")
        XCTAssertEqual(encode(.array(.integer), "{{1,2},{3,4}}"), "[[1,2],[3,4]]")
        XCTAssertEqual(encode(.array(.integer), "[0:1]={7,8}"), "[7,8]")
        XCTAssertEqual(encode(.array(.timestamp), "{\"2024-01-02 03:04:05+00\"}"), "[\"2024-01-02T03:04:05Z\"]")
        XCTAssertEqual(encode(.array(.json), "{\"{\\\"a\\\": 1}\"}"), "[{\"a\":1}]")
        XCTAssertEqual(encode(.array(.integer), "{}"), "[]")
        XCTAssertEqual(encode(.array(.integer), "{1,2"), "\"{1,2\"")
    }

    func testRowShapeAndKeyEscaping() {
        var encoder = RowEncoder(columns: [
            ColumnDescription(name: "MixedCase", encoding: .integer),
            ColumnDescription(name: "with \"quote\"", encoding: .text),
        ])
        var w = JSONWriter()
        encoder.encode(column: 0, text: Array("1".utf8).span, into: &w)
        encoder.encode(column: 1, text: nil, into: &w)
        encoder.endRow(into: &w)
        XCTAssertEqual(w.bytes.text, "{\"MixedCase\":1,\"with \\\"quote\\\"\":null}\n")
        var empty = JSONWriter()
        RowEncoder(columns: []).endRow(into: &empty)
        XCTAssertEqual(empty.bytes.text, "{}\n")
    }
}

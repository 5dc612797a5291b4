import JSONCodec
import XCTest

final class JSONParserTests: XCTestCase {
    private func parse(_ text: String, maxDepth: Int = 256) throws -> JSONValue {
        try JSONValue.parse(text, maxDepth: maxDepth)
    }

    private func reason(_ text: String, maxDepth: Int = 256) -> JSONSyntaxError.Reason? {
        do {
            _ = try JSONValue.parse(text, maxDepth: maxDepth)
            return nil
        } catch {
            return error.reason
        }
    }

    func testScalars() throws {
        XCTAssertEqual(try parse("null"), .null)
        XCTAssertEqual(try parse(" true "), .bool(true))
        XCTAssertEqual(try parse("false"), .bool(false))
        XCTAssertEqual(try parse("\"\""), .string(""))
        XCTAssertEqual(try parse("0"), .number("0"))
        XCTAssertEqual(try parse("-0.5e-10"), .number("-0.5e-10"))
    }

    func testHugeNumbersKeepTheirExactText() throws {
        let digits = "123456789012345678901234567890.000000000000000000001"
        XCTAssertEqual(try parse(digits), .number(digits))
        XCTAssertEqual(try parse("9223372036854775807"), .number("9223372036854775807"))
        XCTAssertEqual(try parse("1E400"), .number("1E400"))
    }

    func testInvalidNumbers() {
        for text in ["01", "-", "1.", ".5", "+1", "1e", "1e+", "0x10", "NaN", "Infinity", "-Infinity", "1.5.2"] {
            XCTAssertNotNil(reason(text), text)
        }
    }

    func testEscapesAndSurrogatePairs() throws {
        XCTAssertEqual(try parse(#""a\"b\\c\/d\b\f\n\r\t""#), .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        XCTAssertEqual(try parse(#""\u00e9\u20AC""#), .string("é€"))
        XCTAssertEqual(try parse(#""\ud83c\udf89""#), .string("🎉"))
        XCTAssertEqual(try parse("\"🎉 raw\""), .string("🎉 raw"))
    }

    func testInvalidStrings() {
        XCTAssertEqual(reason(#""\x""#), .invalidEscape)
        XCTAssertEqual(reason(#""\u12""#), .invalidUnicodeEscape)
        XCTAssertEqual(reason(#""\ud83c""#), .unpairedSurrogate)
        XCTAssertEqual(reason(#""\udf89""#), .unpairedSurrogate)
        XCTAssertEqual(reason(#""\ud83c\u0041""#), .unpairedSurrogate)
        XCTAssertEqual(reason("\"a\tb\""), .controlCharacterInString)
        XCTAssertEqual(reason("\"abc"), .unexpectedEnd)
    }

    func testInvalidUTF8() {
        for bytes: [UInt8] in [
            [0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xC0, 0xAF, 0x22],
            [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0xFE],
        ] {
            let result = bytes.withUnsafeBufferPointer { buffer in
                Result { () throws(JSONSyntaxError) in try JSONValue.parse(buffer) }
            }
            guard case .failure(let e) = result else { return XCTFail("accepted \(bytes)") }
            XCTAssertEqual(e.reason, .invalidUTF8, "\(bytes)")
        }
    }

    func testStructuralErrors() {
        XCTAssertEqual(reason(""), .empty)
        XCTAssertEqual(reason("   "), .empty)
        XCTAssertEqual(reason("{\"a\":1,}"), .unexpectedByte(UInt8(ascii: "}")))
        XCTAssertEqual(reason("[1,]"), .unexpectedByte(UInt8(ascii: "]")))
        XCTAssertEqual(reason("{\"a\" 1}"), .unexpectedByte(UInt8(ascii: "1")))
        XCTAssertEqual(reason("{a:1}"), .unexpectedByte(UInt8(ascii: "a")))
        XCTAssertEqual(reason("[1 2]"), .unexpectedByte(UInt8(ascii: "2")))
        XCTAssertEqual(reason("{} {}"), .trailingCharacters)
        XCTAssertEqual(reason("tru"), .unexpectedEnd)
        XCTAssertEqual(reason("nul1"), .unexpectedByte(UInt8(ascii: "1")))
        XCTAssertEqual(reason("{\"a\":"), .unexpectedEnd)
    }

    func testDepthLimit() throws {
        let ok = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        XCTAssertNoThrow(try parse(ok))
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        XCTAssertEqual(reason(deep), .tooDeep(limit: 256))
        XCTAssertEqual(reason("{\"a\":{\"b\":{}}}", maxDepth: 2), .tooDeep(limit: 2))
    }

    func testObjectsKeepOrderAndDuplicates() throws {
        let value = try parse(#"{"b":1,"a":[true,null,{"c":"d"}],"b":2}"#)
        guard case .object(let o) = value else { return XCTFail() }
        XCTAssertEqual(o.keys, ["b", "a", "b"])
        XCTAssertEqual(o["a"], .array([.bool(true), .null, .object(["c": .string("d")])]))
    }

    func testErrorMessagesNameTheColumn() {
        XCTAssertEqual(try? parse("{\"a\":tx}"), nil)
        do {
            _ = try JSONValue.parse("{\"a\":tx}")
        } catch {
            XCTAssertEqual(error.description, "unexpected character 'x' at column 7")
        }
    }

    func testTapeNavigation() throws {
        var tape = JSONTape()
        var text = #"{"email":"a@x.com","n":{"deep":[1,2]},"e\u0073c":3}"#
        try text.withUTF8 { buffer in
            try JSONParser().parse(buffer, into: &tape)
            let keys = Array(tape.memberKeys(ofObject: 0)).map { tape.decodeString($0) }
            XCTAssertEqual(keys, ["email", "n", "esc"])
            let third = Array(tape.memberKeys(ofObject: 0))[2]
            XCTAssertTrue(Array("esc".utf8).withUnsafeBufferPointer { tape.stringEquals(third, $0) })
            XCTAssertEqual(tape.value(at: third + 1), .number("3"))
        }
    }
}

import JSONCodec
import XCTest

final class JSONTapeReadingTests: XCTestCase {
    /// The tape points into the input: it is read only while the input's buffer is lent.
    func withTape(_ text: String, _ body: (JSONTape, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBufferPointer { input in
            var tape = JSONTape()
            try JSONParser().parse(input, into: &tape)
            try body(tape, input)
        }
    }

    func testMembersByNameStaticOrDynamic() throws {
        try withTape(
            #"{"key":"a\"b","n":-12,"ok":true,"no":false,"list":[1,"x",{"k":2}],"key":"second","o":{"key":"inner"}}"#
        ) { tape, _ in
            XCTAssertEqual(tape.string("key", of: 0), "a\"b", "the first of a repeated name")
            XCTAssertEqual(tape.memberCount("key", of: 0), 2)
            XCTAssertEqual(tape.string("key" as String, of: 0), "a\"b")
            XCTAssertEqual(tape.integer("n", of: 0), -12)
            XCTAssertEqual(tape.bool("ok", of: 0), true)
            XCTAssertEqual(tape.bool("no", of: 0), false)
            XCTAssertNil(tape.bool("n", of: 0))
            XCTAssertNil(tape.member("missing", of: 0))
            let o = try XCTUnwrap(tape.member("o", of: 0))
            XCTAssertEqual(tape.string("key", of: o), "inner")
            let list = try XCTUnwrap(tape.member("list", of: 0))
            let elements = Array(tape.elements(ofArray: list))
            XCTAssertEqual(elements.map { tape[$0].kind }, [.number, .string, .object])
            XCTAssertEqual(tape.integer("k", of: elements[2]), 2)
            XCTAssertNil(tape.member("k", of: elements[0]), "not an object")
            XCTAssertTrue(Array(tape.elements(ofArray: o)).isEmpty, "not an array")
            XCTAssertEqual(tape.value("o", of: 0), .object(["key": .string("inner")]))
        }
    }

    func testStringBytesAreTheInputItselfOrTheDecodedText() throws {
        try withTape(#"["plain","tab\there \u00e9"]"#) { tape, input in
            let elements = Array(tape.elements(ofArray: 0))
            tape.withStringBytes(elements[0]) { raw in
                XCTAssertEqual(raw.array, Array("plain".utf8))
                raw.withUnsafeBufferPointer {
                    XCTAssertEqual($0.baseAddress, input.baseAddress! + 2, "no copy without escapes")
                }
            }
            tape.withStringBytes(elements[1]) { XCTAssertEqual($0.array, Array("tab\there é".utf8)) }
            XCTAssertTrue(tape.stringEquals(elements[1], "tab\there é"))
            XCTAssertTrue(tape.stringEquals(elements[0], "plain" as StaticString))
        }
    }

    func testIntegersAreWrittenWithoutAString() {
        var w = JSONWriter(capacity: 4)
        for v in [0, 7, -5, 1_000_000, Int.max, Int.min] {
            w.writeInteger(v)
            w.writeByte(UInt8(ascii: " "))
        }
        XCTAssertEqual(String(decoding: w.bytes.array, as: UTF8.self), "0 7 -5 1000000 \(Int.max) \(Int.min) ")
    }
}

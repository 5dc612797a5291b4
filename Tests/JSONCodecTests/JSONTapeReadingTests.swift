import JSONCodec
import XCTest

final class JSONTapeReadingTests: XCTestCase {
    func withTape(_ text: String, _ body: (JSONTape) throws -> Void) throws {
        var tape = JSONTape()
        try JSONParser().parse(Array(text.utf8).span, into: &tape)
        try body(tape)
    }

    func testMembersByNameStaticOrDynamic() throws {
        try withTape(
            #"{"key":"a\"b","n":-12,"ok":true,"no":false,"list":[1,"x",{"k":2}],"key":"second","o":{"key":"inner"}}"#
        ) { tape in
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

    func testStringBytesAreTheParsedBytesOrTheDecodedText() throws {
        try withTape(#"["plain","tab\there \u00e9"]"#) { tape in
            let elements = Array(tape.elements(ofArray: 0))
            tape.withStringBytes(elements[0]) { raw in XCTAssertEqual(raw.array, Array("plain".utf8)) }
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

    /// A tape keeps what it parsed: the input may be overwritten or freed, and a copy of the
    /// tape kept past its scope reads its own memory (it pointed into the input before).
    func testATapeOutlivesTheBytesItWasParsedFrom() throws {
        var tape = JSONTape()
        do {
            var input = Array(#"{"email":"a@x.com","n":12}"#.utf8)
            try input.withUnsafeBufferPointer { try JSONParser().parse($0, into: &tape) }
            for i in input.indices { input[i] = UInt8(ascii: "#") }
        }
        let kept = tape
        _ = Array(repeating: UInt8(ascii: "#"), count: 1 << 16)
        XCTAssertEqual(kept.string("email", of: 0), "a@x.com")
        XCTAssertEqual(kept.integer("n", of: 0), 12)
        XCTAssertEqual(kept.bytes(kept.member("n", of: 0)!).array, Array("12".utf8))
    }

    /// Copies share the tape's memory: a copy kept past the next parse sees that parse, and a
    /// parse that grows the memory leaves no copy pointing at what was freed.
    func testACopyKeptPastTheNextParseReadsThatParse() throws {
        var tape = JSONTape()
        try JSONParser().parse(Array(#"{"a":1}"#.utf8).span, into: &tape)
        let copy = tape
        let big =
            "{" + (0..<2000).map { "\"k\($0)\":\"\(String(repeating: "v", count: 20))\"" }.joined(separator: ",") + "}"
        try JSONParser().parse(Array(big.utf8).span, into: &tape)
        XCTAssertEqual(copy.count, tape.count)
        XCTAssertEqual(copy.string("k1999", of: 0), String(repeating: "v", count: 20))
    }
}

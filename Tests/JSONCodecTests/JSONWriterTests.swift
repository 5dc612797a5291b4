import Hashing
import JSONCodec
import SyncCore
import XCTest

final class JSONWriterTests: XCTestCase {
    func testATapeObjectWithoutItsNullsAndOneMember() throws {
        var bytes = Array(#"{"a":1,"b":null,"key":"k","c":{"d":null},"e":"\u00e9"}"#.utf8)
        try bytes.withUnsafeMutableBufferPointer { buffer in
            var tape = JSONTape()
            try JSONParser().parse(UnsafeBufferPointer(buffer), into: &tape)
            var w = JSONWriter(capacity: 64)
            w.writeTapeObject(tape, at: 0, droppingNulls: true, excluding: "key")
            XCTAssertEqual(
                w.bytes.text, #"{"a":1,"c":{"d":null},"e":"é"}"#,
                "nested nulls stay: only the object's own members are dropped")
            var all = JSONWriter(capacity: 64)
            all.writeTapeObject(tape, at: 0, droppingNulls: false)
            XCTAssertEqual(all.bytes.text, #"{"a":1,"b":null,"key":"k","c":{"d":null},"e":"é"}"#)
        }
    }

    func testEscapesOnlyWhatRFC8259Requires() {
        var w = JSONWriter()
        w.writeString("q\"b\\s/\u{1}\u{1F}\n\t\u{8}\u{C}\rü🎉\u{2028}")
        XCTAssertEqual(w.bytes.text, #""q\"b\\s/\u0001\u001f\n\t\b\f\rü🎉"# + "\u{2028}\"")
    }

    func testStableCompactOutput() throws {
        let value = try JSONValue.parse(" { \"b\" : [ 1 , 2.50 , { } ] , \"a\" : \"x\" } ")
        XCTAssertEqual(value.serialized, #"{"b":[1,2.50,{}],"a":"x"}"#)
    }

    func testTapeCopyIsCompactAndExact() throws {
        var tape = JSONTape()
        var text = "{\"a\": [1, 2.50e3, \"\\u00e9\\n\"],\n \"b\": {\"c\": null}}"
        var w = JSONWriter()
        try text.withUTF8 { buffer in
            try JSONParser().parse(buffer, into: &tape)
            w.writeTapeValue(tape, at: 0)
        }
        XCTAssertEqual(w.bytes.text, #"{"a":[1,2.50e3,"é\n"],"b":{"c":null}}"#, "strings come out in canonical form")
    }

    /// Property: for random values, parse(serialize(v)) == v and serialisation is a fixed point.
    func testRoundTripProperty() throws {
        var rng = SplitMix64(seed: 0x5EED)
        for _ in 0..<2_000 {
            let value = randomValue(&rng, depth: 0)
            let text = value.serialized
            let back = try JSONValue.parse(text)
            XCTAssertEqual(back, value, text)
            XCTAssertEqual(back.serialized, text)
        }
    }

    private func randomValue(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
        switch rng.next() % (depth > 3 ? 4 : 6) {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2:
            let forms = [
                "0", "-1", "9223372036854775808", "3.14", "-2.5e-300", "1E+400", "123456789012345678901234567890.1",
            ]
            return .number(forms[Int(rng.next() % UInt64(forms.count))])
        case 3: return .string(randomString(&rng))
        case 4: return .array((0..<Int(rng.next() % 4)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            return .object(
                JSONObject(
                    (0..<Int(rng.next() % 4)).map { _ in (randomString(&rng), randomValue(&rng, depth: depth + 1)) }))
        }
    }

    private func randomString(_ rng: inout SplitMix64) -> String {
        let pool: [Unicode.Scalar] = [
            "a", "Z", " ", "\"", "\\", "/", "\n", "\u{0}", "\u{1F}", "é", "€", "🎉", "\u{2028}", "\u{FFFF}",
        ]
        return String(
            String.UnicodeScalarView((0..<Int(rng.next() % 8)).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }))
    }
}

import JSONCodec
import SyncCore
import XCTest
import StreamIO

final class LineReaderTests: XCTestCase {
    private func withFile(_ bytes: [UInt8], _ body: (String) throws -> Void) throws {
        let path = NSTemporaryDirectory() + "linereader-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    private func lines(_ text: String, maxLineLength: Int = 1 << 20) throws -> [String] {
        var out: [String] = []
        try withFile(Array(text.utf8)) { path in
            var reader = try LineReader(path: path, maxLineLength: maxLineLength)
            while let line = try reader.next() { out.append(String(decoding: line, as: UTF8.self)) }
        }
        return out
    }

    func testSplitsLinesWithAndWithoutFinalNewline() throws {
        XCTAssertEqual(try lines("a\nb\n"), ["a", "b"])
        XCTAssertEqual(try lines("a\nb"), ["a", "b"])
        XCTAssertEqual(try lines("a\r\n\nb"), ["a", "", "b"])
        XCTAssertEqual(try lines(""), [])
    }

    func testLinesLongerThanTheBufferAndAcrossReads() throws {
        let long = String(repeating: "x", count: 3 << 20)
        XCTAssertEqual(try lines("s\n\(long)\nt\n", maxLineLength: 4 << 20), ["s", long, "t"])
    }

    /// One line over the limit failed the whole input, the lines before it included; it is
    /// now read past and comes back empty with its length, and the next lines follow.
    func testALineOverTheLimitIsReadPastAlone() throws {
        for length in [(1 << 20) + 1, 2 << 20, (5 << 20) + 123] {
            let long = String(repeating: "x", count: length)
            var seen: [(String, Int?)] = []
            try withFile(Array("ok\n\(long)\r\nnext\n\(long)".utf8)) { path in
                var reader = try LineReader(path: path, maxLineLength: 1 << 20)
                while let line = try reader.next() {
                    seen.append((String(decoding: line, as: UTF8.self), reader.overlongLength))
                }
            }
            XCTAssertEqual(seen.map(\.0), ["ok", "", "next", ""])
            XCTAssertEqual(seen.map(\.1), [nil, length + 1, nil, length], "the length, its \\r included")
        }
        XCTAssertEqual(
            try lines("ok\n" + String(repeating: "y", count: 1 << 20) + "\n", maxLineLength: 1 << 20).count, 2)
    }

    /// A cancelled run stops every stage: the next one reads the last line cut off. Without
    /// its newline and not JSON, it is a cut (no reject); a whole object without a newline is a
    /// row as before.
    func testALastLineCutOffIsACutNotAnInvalidLine() throws {
        for (text, expected) in [
            ("{\"a\":1}\n{\"b\":", ["object", "cut"]), ("{\"a\":1}\n{\"b\":2}", ["object", "object"]),
        ] {
            try withFile(Array(text.utf8)) { path in
                var reader = NDJSONReader(lines: try LineReader(path: path))
                var seen: [String] = []
                while let line = try reader.next() {
                    if case .cut = line { seen.append("cut") } else if case .object = line { seen.append("object") }
                }
                XCTAssertEqual(seen, expected, text)
            }
        }
        try withFile(Array("{\"b\":\n{\"c\":1}\n".utf8)) { path in
            var reader = NDJSONReader(lines: try LineReader(path: path))
            guard case .invalid? = try reader.next() else { return XCTFail("a bad line with its newline is invalid") }
        }
    }

    /// A byte-order mark starts files that Excel and PowerShell write: it is not part of the row.
    func testAByteOrderMarkAtTheStartIsSkipped() throws {
        XCTAssertEqual(try lines("\u{FEFF}{\"a\":1}\n\u{FEFF}b\n"), ["{\"a\":1}", "\u{FEFF}b"], "only at the start")
        XCTAssertEqual(try lines("\u{FEFF}"), [""])
    }

    func testNDJSONClassification() throws {
        let text = "{\"a\":1}\n\n   \n[1]\n{\"a\":\n\"x\"\n{\"b\":\"\u{e9}\"}\n"
        try withFile(Array(text.utf8) + [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D, 0x0A]) { path in
            var reader = NDJSONReader(lines: try LineReader(path: path))
            var seen: [String] = []
            while let line = try reader.next() {
                switch line {
                case .object: seen.append("object:" + reader.tape.value(at: 0).serialized)
                case .blank: seen.append("blank")
                case .invalid(let error): seen.append(reader.describe(error).replacingOccurrences(of: path, with: "F"))
                case .overlong(let length): seen.append("overlong \(length)")
                case .cut: seen.append("cut")
                }
            }
            XCTAssertEqual(
                seen,
                [
                    "object:{\"a\":1}", "blank", "blank",
                    "F:4: expected a JSON object, got an array",
                    "F:5: invalid JSON: unexpected end of input at column 6",
                    "F:6: expected a JSON object, got a string",
                    "object:{\"b\":\"é\"}",
                    "F:8: invalid JSON: invalid UTF-8 at byte 7",
                ])
        }
    }

    func testMissingFileIsAUsageError() {
        do {
            _ = try LineReader(path: "/nonexistent/x.ndjson")
            XCTFail("opened a missing file")
        } catch {
            XCTAssertEqual(error.exitStatus, .usage)
            XCTAssertEqual(error.message, "cannot open '/nonexistent/x.ndjson': No such file or directory")
        }
    }
}

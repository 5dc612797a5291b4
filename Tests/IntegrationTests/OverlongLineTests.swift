import Foundation
import JSONCodec
import XCTest

/// A line longer than the stages read (256 MiB) failed the whole run, the rows before it
/// included; it is now one reject, and the rows around it go on, in bounded memory.
final class OverlongLineTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "overlong-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    /// `before`, then one line of `length` bytes (`opening`, then a bio that fills it), then `after`.
    private func file(
        _ name: String, before: String, length: Int, after: String,
        opening: String = #"{"userId":9,"email":"big@x.com","bio":""#
    ) throws -> String {
        let path = "\(folder)/\(name)"
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let head = Data("\(before)\n\(opening)".utf8)
        let tail = Data("\"}\(opening.hasPrefix(#"{"type""#) ? "}" : "")\n\(after)\n".utf8)
        try handle.write(contentsOf: head)
        let chunk = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        var left = length - (head.count - before.utf8.count - 1) - (tail.count - after.utf8.count - 2)
        while left > 0 {
            try handle.write(contentsOf: left >= chunk.count ? chunk : chunk.prefix(left))
            left -= chunk.count
        }
        try handle.write(contentsOf: tail)
        return path
    }

    func testALineOverTheLimitIsRejectedAloneByCvMapAndCvDedupe() throws {
        let length = (256 << 20) + 1
        let rows = try file(
            "rows.ndjson", before: #"{"userId":1,"email":"a@x.com"}"#, length: length,
            after: #"{"userId":2,"email":"b@x.com"}"#)
        let map = try ToolRunner.run(
            "cv-map",
            ["--type", "contacts", "--rejects", "\(folder)/map-rejects.ndjson", "--stats", "\(folder)/map.json", rows],
            measureRSS: true)
        XCTAssertEqual(map.status, 0, map.stderr)
        XCTAssertEqual(
            map.stdout,
            """
            {"type":"contact","userId":"1","email":"a@x.com","fields":{},"row":1}
            {"type":"contact","userId":"2","email":"b@x.com","fields":{},"row":3}

            """)
        let reject = try JSONValue.parse(try String(contentsOfFile: "\(folder)/map-rejects.ndjson", encoding: .utf8))
        XCTAssertEqual(reject.objectValue?["code"], .string("line_too_long"))
        XCTAssertEqual(reject.objectValue?["row"], .number("2"))
        XCTAssertEqual(
            reject.objectValue?["message"]?.stringValue,
            "\(rows):2: a line of \(length) bytes, longer than the limit of 268435456 bytes; rejected alone")
        let stats = try JSONValue.parse(try String(contentsOfFile: "\(folder)/map.json", encoding: .utf8)).objectValue
        XCTAssertEqual(stats?["rows"], .number("3"))
        XCTAssertEqual(stats?["records"], .number("2"))
        XCTAssertEqual(stats?["rejected"], .number("1"))
        XCTAssertLessThan(map.maxRSSKilobytes, 320 << 10, "one buffer of the limit, not the line")

        let records = try file(
            "records.ndjson", before: #"{"type":"contact","userId":"1","email":"a@x.com","fields":{},"row":1}"#,
            length: length, after: #"{"type":"contact","userId":"2","email":"b@x.com","fields":{},"row":3}"#)
        let dedupe = try ToolRunner.run(
            "cv-dedupe",
            ["--state", "\(folder)/state.db", "--run", "r1", "--rejects", "\(folder)/dedupe-rejects.ndjson", records])
        XCTAssertEqual(dedupe.status, 0, dedupe.stderr)
        XCTAssertEqual(dedupe.stdout.split(separator: "\n").count, 2)
        XCTAssertTrue(
            try String(contentsOfFile: "\(folder)/dedupe-rejects.ndjson", encoding: .utf8).contains(
                #""code":"line_too_long""#))
    }

    /// One 100 MB record took cv-dedupe 1.2 GB: a piece over the budget was split level after
    /// level, each level holding a reader as large as the record.
    func testOneHugeRecordTakesASmallMultipleOfItsSizeInCvDedupe() throws {
        let length = 100_000_000
        let records = try file(
            "huge.ndjson", before: #"{"type":"contact","userId":"1","email":"a@x.com","fields":{},"row":1}"#,
            length: length, after: #"{"type":"contact","userId":"2","email":"b@x.com","fields":{},"row":3}"#,
            opening: #"{"type":"contact","userId":"9","email":"big@x.com","fields":{"bio":""#)
        let dedupe = try ToolRunner.run(
            "cv-dedupe", ["--state", "\(folder)/state.db", "--run", "r1", records],
            stdoutPath: "\(folder)/out.ndjson", measureRSS: true)
        XCTAssertEqual(dedupe.status, 0, dedupe.stderr)
        XCTAssertTrue(dedupe.stderr.contains("3 records: 3 out"), dedupe.stderr)
        XCTAssertLessThan(dedupe.maxRSSKilobytes * 1024, 5 * length, "\(dedupe.maxRSSKilobytes) KB")
    }
}

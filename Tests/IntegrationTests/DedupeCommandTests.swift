import Foundation
import JSONCodec
import XCTest

final class DedupeCommandTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "dedupe-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// 2M records with 1M distinct keys, larger than the memory budget: memory stays bounded.
    func testTwoMillionRecordsStayInBoundedMemory() throws {
        let input = dir + "/events.ndjson"
        FileManager.default.createFile(atPath: input, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: input))
        var chunk = ""
        for i in 0..<2_000_000 {
            chunk += "{\"type\":\"event\",\"eventId\":\"e\(i % 1_000_000)\",\"userId\":\"\(i % 5000)\",\"event\":\"purchase\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"data\":{\"n\":\(i)},\"row\":\(i + 1)}\n"
            if i % 50_000 == 49_999 {
                handle.write(Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.close()
        let stats = dir + "/stats.json"
        let run = try ToolRunner.run("cv-dedupe", ["--state", dir + "/s.db", "--run", "big", "--memory", "4", "--stats", stats, input],
                                     stdoutPath: dir + "/out.ndjson")
        XCTAssertEqual(run.status, 0, run.stderr)
        let counts = try JSONValue.parse(String(contentsOfFile: stats, encoding: .utf8).trimmingCharacters(in: .newlines)).objectValue!
        XCTAssertEqual(counts["recordsIn"], .number("2000000"))
        XCTAssertEqual(counts["recordsOut"], .number("1000000"))
        XCTAssertEqual(counts["duplicates"], .number("1000000"))
        XCTAssertLessThan(run.maxRSSKilobytes, 64 * 1024, "peak RSS \(run.maxRSSKilobytes) KiB")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".work.") }
        XCTAssertEqual(leftovers, [], "spill files are removed")
    }

    func testCommandLineContract() throws {
        let records = dir + "/r.ndjson"
        try "{\"type\":\"contact\",\"userId\":\"1\",\"fields\":{},\"row\":1}\n{\"type\":\"mystery\",\"row\":2}\nnot json\n"
            .write(toFile: records, atomically: true, encoding: .utf8)
        let state = dir + "/s.db"
        let run = try ToolRunner.run("cv-dedupe", ["--state", state, "--run", "r1", "--changed-only", "--rejects", dir + "/rej.ndjson", records])
        XCTAssertEqual(run.status, 0)
        XCTAssertEqual(run.stdout, "{\"type\":\"contact\",\"userId\":\"1\",\"fields\":{},\"row\":1,\"key\":\"contact:userId:1\"}\n")
        XCTAssertTrue(run.stderr.hasSuffix("cv-dedupe: 3 records: 1 out, 0 duplicates, 0 unchanged, 0 merged, 2 rejected\n"), run.stderr)
        let rejects = try String(contentsOfFile: dir + "/rej.ndjson", encoding: .utf8)
        XCTAssertEqual(rejects.split(separator: "\n").count, 2)
        XCTAssertTrue(rejects.contains("\"code\":\"invalid_record\""))

        try "{\"key\":\"contact:userId:1\"}\n".write(toFile: dir + "/acks.ndjson", atomically: true, encoding: .utf8)
        let commit = try ToolRunner.run("cv-dedupe", ["commit", "--state", state, "--run", "r1", "--acks", dir + "/acks.ndjson"])
        XCTAssertEqual(commit.stderr, "cv-dedupe: run 'r1': 1 keys acknowledged, 0 left to send again\n")
        let again = try ToolRunner.run("cv-dedupe", ["commit", "--state", state, "--run", "r1", "--acks", dir + "/acks.ndjson"])
        XCTAssertEqual(again.status, 0)
        XCTAssertEqual(again.stderr, "cv-dedupe: run 'r1' was already committed; nothing changed\n")
        let reuse = try ToolRunner.run("cv-dedupe", ["--state", state, "--run", "r1", records])
        XCTAssertEqual(reuse.status, 2)
        let missing = try ToolRunner.run("cv-dedupe", ["commit", "--state", state, "--run", "nope", "--acks", dir + "/acks.ndjson"])
        XCTAssertEqual(missing.status, 2)
        let forget = try ToolRunner.run("cv-dedupe", ["forget", "--state", state])
        XCTAssertEqual(forget.status, 2, "forget needs --yes")
        let stats = try ToolRunner.run("cv-dedupe", ["stats", "--state", state])
        XCTAssertTrue(stats.stdout.contains("\"contacts\":1"), stats.stdout)
        let usage = try ToolRunner.run("cv-dedupe", ["--run", "x"])
        XCTAssertEqual(usage.status, 2)
    }
}

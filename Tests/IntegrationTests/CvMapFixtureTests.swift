import Foundation
import XCTest

/// Runs cv-map on every folder of Tests/Fixtures/cv-map and compares stdout, stderr, the
/// rejects file and the exit status exactly. A folder holds `args` (with $REJECTS standing for
/// a fresh rejects file), `input.ndjson`, and the expected-* files.
final class CvMapFixtureTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/cv-map")

    func testEveryFixture() throws {
        let cases = try FileManager.default.contentsOfDirectory(atPath: Self.root.path)
            .filter { FileManager.default.fileExists(atPath: Self.root.appendingPathComponent("\($0)/args").path) }
            .sorted()
        XCTAssertGreaterThanOrEqual(cases.count, 14)
        for name in cases { try check(name) }
    }

    private func check(_ name: String) throws {
        let dir = Self.root.appendingPathComponent(name)
        func read(_ file: String) -> String? {
            try? String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
        }
        let rejects = NSTemporaryDirectory() + "cvmap-rejects-\(UUID().uuidString).ndjson"
        defer { try? FileManager.default.removeItem(atPath: rejects) }
        let args = read("args")!.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
            .map { $0 == "$REJECTS" ? rejects : String($0) }
        let run = try ToolRunner.run("cv-map", args + ["input.ndjson"], workingDirectory: dir.path)
        XCTAssertEqual(run.stdout, read("expected.ndjson") ?? "", "\(name): stdout")
        XCTAssertEqual(run.stderr, read("expected-stderr.txt") ?? "", "\(name): stderr")
        XCTAssertEqual(
            run.status, Int32(read("expected-status")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "0"),
            "\(name): status")
        let actualRejects = (try? String(contentsOfFile: rejects, encoding: .utf8)) ?? ""
        XCTAssertEqual(actualRejects, read("expected-rejects.ndjson") ?? "", "\(name): rejects")
        let input = try Data(contentsOf: dir.appendingPathComponent("input.ndjson"))
        let rows = input.split(separator: 0x0A, omittingEmptySubsequences: false)
            .filter { !$0.allSatisfy { $0 == 0x20 || $0 == 0x0D || $0 == 0x09 } }.count
        let records = run.stdout.split(separator: "\n").count
        let rejected = actualRejects.split(separator: "\n").count
        if read("args")!.contains("$REJECTS") && run.status == 0 {
            XCTAssertEqual(rows, records + rejected, "\(name): every row is a record or a reject")
        }
    }
}

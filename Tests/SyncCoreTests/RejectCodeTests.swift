import Foundation
import SyncCore
import XCTest
import StreamIO

/// The reject codes are typed in one place (`RejectCode`); the table users read is docs/api.md.
/// These keep the two the same: every code is documented, with the retryability the code has.
final class RejectCodeTests: XCTestCase {
    /// The rows of docs/api.md's "Reject codes" table: stage, the codes in backticks, retryable.
    private func documentedRows() throws -> [(stage: String, codes: [String], retryable: Bool)] {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/api.md").standardized
        let text = try String(contentsOf: docs, encoding: .utf8)
        let section = try XCTUnwrap(text.components(separatedBy: "## Reject codes").dropFirst().first)
        var rows: [(String, [String], Bool)] = []
        for line in section.split(separator: "\n") where line.hasPrefix("| ") && line.contains("`") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let codes = cells[1].split(separator: "`", omittingEmptySubsequences: false).enumerated().filter {
                $0.offset % 2 == 1
            }.map { String($0.element) }
            rows.append((cells[0], codes, cells[2] == "yes"))
        }
        return rows
    }

    func testEveryCodeIsDocumentedWithItsRetryability() throws {
        let rows = try documentedRows()
        XCTAssertFalse(rows.isEmpty)
        let documented = Set(rows.flatMap(\.codes))
        for code in RejectCode.documented {
            XCTAssertTrue(documented.contains(code.rawValue), "docs/api.md does not list \(code)")
        }
        for row in rows {
            XCTAssertNotNil(Stage(rawValue: row.stage), "unknown stage '\(row.stage)' in docs/api.md")
            for name in row.codes {
                // Families: http_<status> and gave_up_after_N_runs are documented by pattern.
                if name.contains("<") || name.contains("_N_") { continue }
                let code = RejectCode(name.replacingOccurrences(of: "5xx", with: "503"))
                XCTAssertEqual(
                    code.isRetryable, row.retryable, "\(name): docs/api.md says retryable = \(row.retryable)")
                if !name.hasPrefix("http_") {
                    XCTAssertTrue(
                        RejectCode.documented.contains(code), "\(name) is documented but not a RejectCode constant")
                }
            }
        }
    }

    func testARejectIsRetryableAsItsCodeUnlessTheStageSaysOtherwise() {
        XCTAssertTrue(Reject(stage: .load, row: 1, code: .contactNotFound, message: "m").retryable)
        XCTAssertFalse(Reject(stage: .map, row: 1, code: .invalidFieldValue, message: "m").retryable)
        XCTAssertFalse(Reject(stage: .load, row: 1, code: .serverError, message: "m", retryable: false).retryable)
        XCTAssertEqual(RejectCode.gaveUp(afterRuns: 3).rawValue, "gave_up_after_3_runs")
        XCTAssertFalse(RejectCode.gaveUp(afterRuns: 3).isRetryable)
    }
}

import Foundation
import XCTest

/// Each tool's --help is pinned to a file in Tests/Fixtures/help: the command-line vocabulary
/// (option names, the values an option takes, the exit statuses) changes only on purpose, and
/// the change shows in review as a diff of what users read. After a deliberate change, run the
/// test with UPDATE_HELP=1 to write the new texts.
final class HelpSnapshotTests: XCTestCase {
    private static let folder = SyncHome.repo.appendingPathComponent("Tests/Fixtures/help")

    private static let tools: [[String]] = [
        ["wh-extract"], ["cv-map"], ["cv-dedupe"], ["cv-dedupe", "commit"], ["cv-dedupe", "forget"], ["cv-load"],
        ["cv-emulator"], ["cv-run"], ["cv-run", "record"], ["cv-run", "kubernetes"],
    ]

    func testEveryToolsHelpIsTheOnePinned() throws {
        let update = ProcessInfo.processInfo.environment["UPDATE_HELP"] == "1"
        for tool in Self.tools {
            let run = try ToolRunner.run(tool[0], Array(tool.dropFirst()) + ["--help"], environment: ["COLUMNS": "80"])
            XCTAssertEqual(run.status, 0, run.stderr)
            // The version names the commit of an installed build; the checkout's says the number only.
            let file = Self.folder.appendingPathComponent(tool.joined(separator: "-") + ".txt")
            if update {
                try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
                try run.stdout.write(to: file, atomically: true, encoding: .utf8)
                continue
            }
            let pinned = try String(contentsOf: file, encoding: .utf8)
            if run.stdout != pinned {
                let diff = try PipelineTests.shell(
                    "diff -u '\(file.path)' - <<'CV_HELP_EOF'\n\(run.stdout)CV_HELP_EOF")
                XCTFail(
                    "\(tool.joined(separator: " ")) --help changed; if on purpose, run with UPDATE_HELP=1:\n\(diff.1)")
            }
        }
    }
}

import ArgumentParser
import SyncCore
import Synchronization
import XCTest

@testable import ToolRuntime

/// How errors become exit statuses (docs/streams.md, "Exit status").
final class ToolMainTests: XCTestCase {
    struct Probe: ToolCommand {
        static let toolName = "probe"
        func execute(diagnostics: Diagnostics) throws -> ExitStatus { .success }
    }

    struct DiskFull: Error, CustomStringConvertible {
        var description: String { "no space left on device" }
    }

    func status(_ error: Error) -> (Int32, [String]) {
        let lines = Synchronization.Mutex<[String]>([])
        let diagnostics = Diagnostics(tool: "probe") { line in lines.withLock { $0.append(line) } }
        let code = ToolMain.report(error, of: Probe.self, diagnostics: diagnostics)
        return (code, lines.withLock { $0 })
    }

    func testArgumentErrorsAreUsageAndOtherErrorsAreFailures() {
        XCTAssertEqual(status(ConfigurationError.invalidValue(setting: "--nulls", expected: "skip or clear")).0, 2)
        XCTAssertEqual(status(ValidationError("--batch-size must be positive")).0, 2)
        let (code, lines) = status(DiskFull())
        XCTAssertEqual(code, 1, "an error while working is a failed run, not a usage error")
        XCTAssertTrue(lines.joined().contains("no space left on device"), "\(lines)")
    }
}

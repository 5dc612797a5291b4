import JSONCodec
import SyncCore
import XCTest
import StreamIO

final class ToolOutputTests: XCTestCase {
    func testDiagnosticsPrefixAndCounts() {
        let captured = Captured()
        let d = Diagnostics(tool: "cv-map") { captured.append($0) }
        d.error("<stdin>:3: field 'x': expected a number, got \"a\"")
        d.warning("column 'Email' is ignored")
        d.progress("not shown off a terminal")
        XCTAssertEqual(
            captured.text,
            "cv-map: <stdin>:3: field 'x': expected a number, got \"a\"\ncv-map: warning: column 'Email' is ignored\n")
        XCTAssertEqual(d.errorCount, 1)
        XCTAssertEqual(d.warningCount, 1)
    }

    func testClosedPipeIsReportedAsSuccess() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        close(fds[0])
        signal(SIGPIPE, SIG_IGN)
        let sink = ByteSink(fd: fds[1], name: "<pipe>")
        var bytes = ByteBuffer()
        bytes.append(contentsOf: Array("x\n".utf8))
        XCTAssertThrowsError(try sink.flush(&bytes)) { error in
            XCTAssertEqual(error as? OutputError, .closedPipe)
            XCTAssertEqual((error as? OutputError)?.exitStatus, .success)
        }
        close(fds[1])
    }

    func testStatsFileIsWrittenAtomically() throws {
        let path = NSTemporaryDirectory() + "stats-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try StatsFile.write(["rows": .number("3"), "tool": .string("t")], to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "{\"rows\":3,\"tool\":\"t\"}\n")
    }
}

final class Captured: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [String] = []
    func append(_ s: String) {
        lock.lock()
        parts.append(s)
        lock.unlock()
    }
    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return parts.joined()
    }
}

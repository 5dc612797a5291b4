import Foundation
import XCTest

/// Every stage widens the pipes it reads and writes to 1 MiB: with the default 64 KiB the four
/// stages and the warehouse handed over every few hundred rows, and a resync on two cores left a
/// quarter of them idle (`scripts/bench resync`: 3.6 s against 2.8 s for 1M contacts).
final class PipeSizeTests: XCTestCase {
    func testEachStageWidensItsPipesToOneMebibyte() throws {
        let allowed =
            (try? String(contentsOfFile: "/proc/sys/fs/pipe-max-size", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        guard allowed >= 1 << 20 else { throw XCTSkip("pipes here may hold \(allowed) bytes at most") }
        let getPipeSize: Int32 = 1032  // F_GETPIPE_SZ
        for (tool, args) in [
            ("cv-map", ["--type", "contacts"]),
            ("cv-dedupe", ["--state", NSTemporaryDirectory() + "p-\(UUID()).db", "--run", "r"]),
            ("wh-extract", ["--version"]), ("cv-load", ["--dry-run"]),
        ] {
            let input = Pipe()
            let output = Pipe()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ToolRunner.path(of: tool))
            process.arguments = args
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            process.environment = ["CONVERSION_API_KEY": "sk_test_pipes", "PATH": "/usr/bin:/bin"]
            try process.run()
            // The tool widens both at its start; stdin's size is read on the end this test holds.
            let outputSize = { fcntl(output.fileHandleForReading.fileDescriptor, getPipeSize) }
            _ = Waits.until(timeout: 10) { outputSize() == 1 << 20 || !process.isRunning }
            XCTAssertEqual(outputSize(), 1 << 20, "\(tool) stdout")
            XCTAssertEqual(fcntl(input.fileHandleForWriting.fileDescriptor, getPipeSize), 1 << 20, "\(tool) stdin")
            try input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }
}

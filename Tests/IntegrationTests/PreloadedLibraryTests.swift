import XCTest

/// With libfaketime preloaded (the tests' skewed clock), the Swift runtime can see no
/// arguments at all: `wh-extract --check-source` then ran as a plain extract and failed with
/// "no query", and `--version` printed nothing. The tools read their arguments from the kernel
/// when the runtime has none.
final class PreloadedLibraryTests: XCTestCase {
    func testAToolSeesItsArgumentsUnderAPreloadedLibrary() throws {
        let faketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
        guard FileManager.default.fileExists(atPath: faketime) else { throw XCTSkip("faketime is not installed") }
        let environment = ["LD_PRELOAD": faketime, "FAKETIME": "-1d"]
        for _ in 0..<5 {
            let version = try ToolRunner.run("cv-run", ["--version"], environment: environment)
            XCTAssertEqual(version.stdout, "0.1.0\n", version.stderr)
            let check = try ToolRunner.run(
                "wh-extract", ["--check-source"],
                environment: environment.merging(["WH_SOURCE": "postgresql://sync@db.internal/dw"]) { $1 })
            XCTAssertEqual(check.status, 0, check.stderr)
            let empty = try ToolRunner.run("cv-map", ["--type", "contacts", "--nulls", ""], environment: environment)
            XCTAssertTrue(
                empty.stderr.contains("--nulls must be skip or clear, got ''"),
                "an empty argument is one too: \(empty.stderr)")
        }
    }
}

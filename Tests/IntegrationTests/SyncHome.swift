import Foundation
import JSONCodec
import XCTest

/// A CV_SYNC_HOME for driver tests: sync files in, `scripts/cv-sync` run against a cv-emulator,
/// histories read back. The API key must never appear in the driver's output.
struct SyncHome {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let path: String
    let emulatorURL: String
    var environment: [String: String] = [:]

    init(emulatorURL: String, environment: [String: String] = [:]) throws {
        path = NSTemporaryDirectory() + "driver-\(UUID().uuidString)"
        self.emulatorURL = emulatorURL
        self.environment = environment
        try FileManager.default.createDirectory(atPath: path + "/syncs", withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func cvSync(_ args: [String], status expected: Int32? = 0, file: StaticString = #filePath, line: UInt = #line)
        throws -> (Int32, String, String)
    {
        let script = Self.repo.appendingPathComponent("scripts/cv-sync").path
        let result = try PipelineTests.shell(
            "'\(script)' " + args.map { "'\($0)'" }.joined(separator: " "),
            environment: [
                "CV_SYNC_HOME": path, "CV_BIN": ToolRunner.binDirectory.path, "CONVERSION_API_URL": emulatorURL,
                "CONVERSION_API_KEY": "sk_test_driver_key",
            ].merging(environment) { $1 })
        if let expected { XCTAssertEqual(result.0, expected, result.2, file: file, line: line) }
        XCTAssertFalse(
            result.1.contains("sk_test_driver_key") || result.2.contains("sk_test_driver_key"), file: file, line: line)
        return result
    }

    func writeSync(_ name: String, _ lines: [String], query: String) throws {
        try query.write(toFile: "\(path)/syncs/\(name).sql", atomically: true, encoding: .utf8)
        try (lines + ["QUERY=\(name).sql"]).joined(separator: "\n").write(
            toFile: "\(path)/syncs/\(name).sync", atomically: true, encoding: .utf8)
    }

    func history(_ name: String) throws -> [JSONObject] {
        let text = (try? String(contentsOfFile: "\(path)/state/\(name)/history.ndjson", encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSONValue.parse(String($0)).objectValue! }
    }
}

import Foundation
import JSONCodec
import XCTest

/// Real pipes between the built executables, as users run them.
final class PipelineTests: XCTestCase {
    /// Runs a bash pipeline with the build folder first on PATH; returns (status, stdout, stderr).
    static func shell(_ script: String, environment: [String: String] = [:]) throws -> (Int32, String, String) {
        let path = ToolRunner.binDirectory.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        return try Launcher.run(
            ["/bin/bash", "-c", "set -o pipefail; " + script], environment: ["PATH": path].merging(environment) { $1 })
    }

    func testExtractFromPostgresIntoMap() throws {
        let url = try TestServers.postgresURL()
        try TestServers.psql(
            url,
            """
            DROP TABLE IF EXISTS wx_people;
            CREATE TABLE wx_people (id bigint, email text, first_name text, title text, "Phone" text, updated_at timestamptz);
            INSERT INTO wx_people VALUES
              (9007199254740993, 'a@x.com', 'Ann', 'CTO', '1', to_timestamp(100)),
              (2, 'not-an-email', 'Bo', NULL, '2', to_timestamp(200)),
              (3, NULL, 'Cy', 'Dev', '3', to_timestamp(300));
            """)
        let dir = NSTemporaryDirectory() + "pipe-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let query =
            "SELECT id AS \"userId\", email, first_name, title AS job_title, \"Phone\" FROM wx_people WHERE "
            + "updated_at > to_timestamp({{last_sync_time}}) ORDER BY id"
        try query.write(toFile: dir + "/q.sql", atomically: true, encoding: .utf8)
        let (status, out, err) = try Self.shell(
            "wh-extract --query q.sql --last-sync-time 0 | cv-map --type contacts --rejects rejects.ndjson --stats "
                + "stats.json",
            environment: ["WH_SOURCE": url], in: dir)
        XCTAssertEqual(status, 0, err)
        XCTAssertEqual(
            out,
            """
            {"type":"contact","userId":"3","fields":{"first_name":"Cy","job_title":"Dev"},"row":2}
            {"type":"contact","userId":"9007199254740993","email":"a@x.com","fields":{"first_name":"Ann","job_title":"CTO"},"row":3}

            """)
        XCTAssertEqual(
            err,
            """
            cv-map: column 'Phone' matches no contacts field and is ignored
            cv-map: <stdin>:1: invalid_email: column 'email': "not-an-email" is not a valid email address
            cv-map: 3 rows: 2 records, 1 rejected (invalid_email 1), 1 column ignored

            """)
        let stats = try JSONValue.parse(
            String(contentsOfFile: dir + "/stats.json", encoding: .utf8).trimmingCharacters(in: .newlines))
        XCTAssertEqual(stats.objectValue?["rows"], .number("3"))
        XCTAssertEqual(stats.objectValue?["records"], .number("2"))
        XCTAssertEqual(stats.objectValue?["rejected"], .number("1"))
    }
}

extension PipelineTests {
    static func shell(_ script: String, environment: [String: String] = [:], in directory: String) throws -> (
        Int32, String, String
    ) {
        try shell("cd '\(directory)' && " + script, environment: environment)
    }
}

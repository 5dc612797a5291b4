import Foundation
import XCTest

/// Runs a built executable as a real process: stdin from a file, stdout and stderr captured,
/// peak RSS from wait4(2).
struct ToolRun {
    var status: Int32
    var stdout: String
    var stderr: String
    var maxRSSKilobytes: Int
}

enum ToolRunner {
    /// The folder holding the built executables (next to the test bundle).
    static var binDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    static func path(of tool: String) -> String { binDirectory.appendingPathComponent(tool).path }

    /// Runs a built tool to its end. `measureRSS` runs it under GNU time: posix_spawn's
    /// vfork-style child shares the test process's memory until exec, so wait4's ru_maxrss can
    /// report the test's RSS.
    @discardableResult
    static func run(
        _ tool: String, _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
        stdoutPath: String? = nil, workingDirectory: String? = nil, measureRSS: Bool = false,
        onStart: ((pid_t) -> Void)? = nil
    ) throws -> ToolRun {
        let rssPath = NSTemporaryDirectory() + "rss-\(UUID().uuidString)"
        defer { unlink(rssPath) }
        let command = (measureRSS ? ["/usr/bin/time", "-f", "%M", "-o", rssPath] : []) + [path(of: tool)] + arguments
        let process = try Launcher.start(
            command, environment: environment, stdin: stdin, stdoutPath: stdoutPath, workingDirectory: workingDirectory)
        onStart?(process.pid)
        let status = process.wait()
        let measured =
            measureRSS
            ? (try? String(contentsOfFile: rssPath, encoding: .utf8))?.split(separator: "\n").last.flatMap { Int($0) }
            : nil
        return ToolRun(
            status: status, stdout: stdoutPath == nil ? process.stdout : "", stderr: process.stderr,
            maxRSSKilobytes: measured ?? Int(process.usage.ru_maxrss))
    }
}

/// The test servers `scripts/test` starts; a test that needs one skips without it, unless
/// CV_REQUIRE_SERVERS=1 (set by scripts/test and CI) makes a missing server a failure.
enum TestServers {
    static func postgresURL() throws -> String {
        if let url = ProcessInfo.processInfo.environment["WH_TEST_PG_URL"], !url.isEmpty { return url }
        if ProcessInfo.processInfo.environment["CV_REQUIRE_SERVERS"] == "1" {
            XCTFail("WH_TEST_PG_URL is not set although CV_REQUIRE_SERVERS=1")
        }
        throw XCTSkip("no PostgreSQL: run the suite with scripts/test, which starts one")
    }

    /// Runs SQL through psql against the test database.
    @discardableResult
    static func psql(_ url: String, _ sql: String) throws -> String {
        let (status, out, err) = try Launcher.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", url], stdin: sql)
        guard status == 0 else {
            throw NSError(domain: "psql", code: Int(status), userInfo: [NSLocalizedDescriptionKey: err])
        }
        return out
    }

    /// host, port and database of a postgresql:// URL, for ODBC connection strings.
    static func parts(of url: String) -> (host: String, port: String, database: String) {
        let u = URLComponents(string: url)!
        return (u.host ?? "127.0.0.1", String(u.port ?? 5432), String(u.path.dropFirst()))
    }
}

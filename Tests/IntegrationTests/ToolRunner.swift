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

    @discardableResult
    /// `measureRSS` runs the tool under GNU time: posix_spawn's vfork-style child shares the
    /// test process's memory until exec, so wait4's ru_maxrss can report the test's RSS.
    static func run(
        _ tool: String, _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
        stdoutPath: String? = nil, workingDirectory: String? = nil, measureRSS: Bool = false,
        onStart: ((pid_t) -> Void)? = nil
    ) throws -> ToolRun {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let inPath = dir.appendingPathComponent("stdin").path
        _ = FileManager.default.createFile(atPath: inPath, contents: Data((stdin ?? "").utf8))
        let outPath = stdoutPath ?? dir.appendingPathComponent("stdout").path
        let errPath = dir.appendingPathComponent("stderr").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        var env = ProcessInfo.processInfo.environment
        for key in ["WH_SOURCE", "WH_PASSWORD", "PGPASSWORD", "CONVERSION_API_KEY"] { env[key] = nil }
        for key in env.keys where ["BIGQUERY_", "GOOGLE_", "SNOWFLAKE_", "DATABRICKS_"].contains(where: key.hasPrefix) {
            env[key] = nil
        }
        env.merge(environment) { $1 }
        // posix_spawn has no portable chdir action: a shell changes directory and execs the tool.
        let rssPath = dir.appendingPathComponent("rss").path
        var command =
            workingDirectory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0, path(of: tool)] } ?? [
                path(of: tool)
            ]
        if measureRSS { command = ["/usr/bin/time", "-f", "%M", "-o", rssPath] + command }
        let argv = (command + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }

        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0]!, &actions, nil, argv, envp)
        guard rc == 0 else { throw NSError(domain: "spawn", code: Int(rc)) }
        onStart?(pid)
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let out = stdoutPath == nil ? (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" : ""
        let measured =
            measureRSS
            ? (try? String(contentsOfFile: rssPath, encoding: .utf8))?.split(separator: "\n").last.flatMap { Int($0) }
            : nil
        return ToolRun(
            status: exitStatus, stdout: out,
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
            maxRSSKilobytes: measured ?? Int(usage.ru_maxrss))
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
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", url]
        let input = Pipe()
        let output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        input.fileHandleForWriting.write(Data(sql.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw NSError(domain: "psql", code: Int(p.terminationStatus)) }
        return String(decoding: data, as: UTF8.self)
    }

    /// host, port and database of a postgresql:// URL, for ODBC connection strings.
    static func parts(of url: String) -> (host: String, port: String, database: String) {
        let u = URLComponents(string: url)!
        return (u.host ?? "127.0.0.1", String(u.port ?? 5432), String(u.path.dropFirst()))
    }
}

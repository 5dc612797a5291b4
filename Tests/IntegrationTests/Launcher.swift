import Foundation
import XCTest

/// The one way these tests start a process: posix_spawn, stdin from a file, stdout and stderr to
/// files, the exit status and peak RSS from wait4(2). A tool, psql, a shell pipeline, a server
/// that runs for the whole test: all go through `Launcher.start`.
final class Launched {
    let pid: pid_t
    let stdoutPath: String
    let stderrPath: String
    private let folder: URL
    private var exitStatus: Int32?
    private(set) var usage = rusage()

    fileprivate init(pid: pid_t, folder: URL, stdoutPath: String, stderrPath: String) {
        self.pid = pid
        self.folder = folder
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Waits for the process to end: its exit status, or 128 + the signal that ended it.
    @discardableResult
    func wait() -> Int32 {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        exitStatus = code
        return code
    }

    var isRunning: Bool {
        guard exitStatus == nil else { return false }
        var status: Int32 = 0
        let done = waitpid(pid, &status, WNOHANG)
        if done == pid { exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F) }
        return exitStatus == nil
    }

    func signal(_ signal: Int32) { if exitStatus == nil { kill(pid, signal) } }

    /// SIGTERM and wait, when still running.
    func stop() {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        wait()
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// The first line the process writes to stdout (a server's URL or port: its readiness).
    func firstLine(timeout: TimeInterval = 20) throws -> String {
        var line: String?
        Waits.until(timeout: timeout) {
            let text = stdout
            if let end = text.firstIndex(of: "\n") { line = String(text[..<end]) }
            return line != nil || !isRunning
        }
        guard let line else {
            throw NSError(
                domain: "launcher", code: 1,
                userInfo: [NSLocalizedDescriptionKey: "no first line from pid \(pid); stderr: \(stderr)"])
        }
        return line
    }
}

enum Launcher {
    /// Starts `command` (argv[0] a path, or a name looked up on PATH). The environment is the
    /// test's without warehouse and API secrets, with `environment` over it; `inherit: false`
    /// starts from `environment` alone.
    static func start(
        _ command: [String], environment: [String: String] = [:], inherit: Bool = true, stdin: String? = nil,
        stdoutPath: String? = nil, workingDirectory: String? = nil
    ) throws -> Launched {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let inPath = folder.appendingPathComponent("stdin").path
        _ = FileManager.default.createFile(atPath: inPath, contents: Data((stdin ?? "").utf8))
        let outPath = stdoutPath ?? folder.appendingPathComponent("stdout").path
        let errPath = folder.appendingPathComponent("stderr").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Nothing else of the test process's: an inherited pipe end keeps a reader from ever seeing
        // end-of-file (cv-sync's watcher waits for exactly that when its driver is killed).
        let inherited = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [])
            .compactMap { Int32($0) }.filter { $0 > 2 && fcntl($0, F_GETFD) != -1 }
        for fd in inherited { posix_spawn_file_actions_addclose(&actions, fd) }

        // Signals as a shell would leave them: none blocked, none ignored. The test runner's
        // threads block or ignore some, and a child inherits both across exec (a stage that
        // ignores SIGTERM outlives the driver that asks it to stop).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        var all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var env = inherit ? ProcessInfo.processInfo.environment : [:]
        for key in ["WH_SOURCE", "WH_PASSWORD", "PGPASSWORD", "CONVERSION_API_KEY"] { env[key] = nil }
        for key in env.keys where ["BIGQUERY_", "GOOGLE_", "SNOWFLAKE_", "DATABRICKS_"].contains(where: key.hasPrefix) {
            env[key] = nil
        }
        env.merge(environment) { $1 }
        var argv = command[0].contains("/") ? command : ["/usr/bin/env"] + command
        // posix_spawn has no portable chdir action: a shell changes directory and execs the command.
        if let workingDirectory { argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", workingDirectory] + argv }
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in cArgv + cEnv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, cArgv[0]!, &actions, &attributes, cArgv, cEnv)
        guard rc == 0 else {
            try? FileManager.default.removeItem(at: folder)
            throw NSError(domain: "spawn", code: Int(rc), userInfo: [NSLocalizedDescriptionKey: "cannot start \(argv)"])
        }
        return Launched(pid: pid, folder: folder, stdoutPath: outPath, stderrPath: errPath)
    }

    /// Runs `command` to its end: (status, stdout, stderr).
    static func run(
        _ command: [String], environment: [String: String] = [:], inherit: Bool = true, stdin: String? = nil
    ) throws -> (Int32, String, String) {
        let process = try start(command, environment: environment, inherit: inherit, stdin: stdin)
        let status = process.wait()
        return (status, process.stdout, process.stderr)
    }
}

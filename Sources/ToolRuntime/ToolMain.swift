import ArgumentParser
import SyncCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A command whose `execute` does the work and returns the exit status.
public protocol ToolCommand: ParsableCommand {
    /// The kebab-case tool name used as the stderr prefix.
    static var toolName: String { get }
    func execute(diagnostics: Diagnostics) throws -> ExitStatus
    /// What to report for an error `execute` threw: a command that knows what a library's error
    /// means to its user (a SQLite error is about the sync's state to cv-dedupe) says so here.
    static func explain(_ error: any Error) -> any Error
}

extension ToolCommand {
    public static func explain(_ error: any Error) -> any Error { error }

    public func run() throws {
        let status = try execute(diagnostics: Diagnostics(tool: Self.toolName))
        if status != .success { throw ExitCode(status.rawValue) }
    }
}

/// The shared entry point: parses arguments, runs the command, and maps every outcome to the
/// project's exit statuses (argument errors → 2, never argument-parser's 64).
public enum ToolMain {
    /// `C` is the root command; it may have subcommands, each a `ToolCommand` too.
    public static func main<C: ToolCommand>(_ command: C.Type, arguments: [String]? = nil) -> Never {
        // A closed downstream pipe must surface as EPIPE on write, not kill the process.
        signal(SIGPIPE, SIG_IGN)
        widenPipes()
        let diagnostics = Diagnostics(tool: C.toolName)
        let parsed: ParsableCommand
        do {
            parsed = try C.parseAsRoot(arguments ?? processArguments())
        } catch {
            exit(report(error, of: C.self, diagnostics: diagnostics))
        }
        do {
            guard let tool = parsed as? any ToolCommand else {
                var plain = parsed
                try plain.run()
                exit(ExitStatus.success.rawValue)
            }
            do {
                exit(try tool.execute(diagnostics: diagnostics).rawValue)
            } catch {
                throw type(of: tool).explain(error)
            }
        } catch {
            exit(report(error, of: C.self, diagnostics: diagnostics))
        }
    }

    /// Standard input and output, when they are pipes, hold 1 MiB instead of 64 KiB. Four stages
    /// and the warehouse share two cores in a resync, and with 64 KiB between them each handed
    /// over every few hundred rows and waited for the next: a quarter of both cores sat idle
    /// while the pipeline ran. 1 MiB is the most an unprivileged process may ask for
    /// (/proc/sys/fs/pipe-max-size); where less is allowed the pipe keeps its size.
    static func widenPipes() {
        let setPipeSize: Int32 = 1031  // F_SETPIPE_SZ (fcntl.h hides it behind _GNU_SOURCE)
        for fd: Int32 in [0, 1] {
            var info = stat()
            guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFIFO else { continue }
            _ = fcntl(fd, setPipeSize, Int32(1 << 20))
        }
    }

    /// The process's arguments, without the program's name. A library preloaded ahead of the
    /// Swift runtime (libfaketime, which the tests use for a skewed clock) can leave
    /// `CommandLine.arguments` empty, and a tool would then run as if given no options at all;
    /// the kernel's copy in /proc/self/cmdline is the same list.
    static func processArguments() -> [String] {
        if !CommandLine.arguments.isEmpty { return Array(CommandLine.arguments.dropFirst()) }
        guard let stream = fopen("/proc/self/cmdline", "r") else { return [] }
        defer { fclose(stream) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, stream)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        // NUL after each argument: the last piece is empty.
        let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast()
        return arguments.dropFirst().map { String(decoding: $0, as: UTF8.self) }
    }

    static func report<C: ToolCommand>(_ error: Error, of command: C.Type, diagnostics: Diagnostics) -> Int32 {
        if let failure = error as? ToolError {
            // A reader that closed the pipe early (`| head`) is not an error worth a line.
            if failure.exitStatus != .success { diagnostics.error(failure.message) }
            return failure.exitStatus.rawValue
        }
        if let code = error as? ExitCode { return code.rawValue }
        let code = C.exitCode(for: error)
        let text = C.fullMessage(for: error)
        if code == .success {
            print(text)
            return ExitStatus.success.rawValue
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let trimmed = line.hasPrefix("Error: ") ? String(line.dropFirst(7)) : String(line)
            diagnostics.error(trimmed)
        }
        // Argument errors are usage errors (2); anything else thrown while working is a failed
        // run (1), so the driver does not take a disk or database error for a bad sync file.
        return code == .validationFailure ? ExitStatus.usage.rawValue : ExitStatus.failure.rawValue
    }
}

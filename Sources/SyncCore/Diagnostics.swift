import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The only writer of human-readable text (stderr). Adds the `tool: ` prefix, counts problems,
/// and caps repeated messages of one kind so a bad input cannot flood the terminal.
public final class Diagnostics: Sendable {
    public let tool: String
    public let isTerminal: Bool
    /// Writing to a log that the driver keeps (CV_LOG_TIMESTAMPS=1): every line starts with its
    /// UTC time, and what a person at a terminal would see is written too.
    public let isLog: Bool
    private let write: @Sendable (String) -> Void
    private let state = Mutex(State())

    private struct State {
        var errors = 0
        var warnings = 0
        var progressShown = false
    }

    public var errorCount: Int { state.withLock { $0.errors } }
    public var warningCount: Int { state.withLock { $0.warnings } }

    /// Diagnostics to the process's stderr.
    public convenience init(tool: String) {
        let log = getenv("CV_LOG_TIMESTAMPS").map { String(cString: $0) == "1" } ?? false
        self.init(tool: tool, isTerminal: isatty(2) == 1, isLog: log) { text in
            // One write for the whole message, so lines of concurrent tools do not interleave;
            // a short write goes on with the rest.
            var bytes = Array(text.utf8)
            while !bytes.isEmpty {
                let n = Glibc.write(2, bytes, bytes.count)
                if n <= 0 { if n < 0 && errno == EINTR { continue } else { return } }
                bytes.removeFirst(n)
            }
        }
    }

    /// Diagnostics to any sink (tests capture the text this way).
    public init(
        tool: String, isTerminal: Bool = false, isLog: Bool = false, write: @escaping @Sendable (String) -> Void
    ) {
        self.tool = tool
        self.isTerminal = isTerminal
        self.isLog = isLog
        self.write = write
    }

    public func error(_ message: String) {
        state.withLock { $0.errors += 1 }
        emit(message)
    }

    public func warning(_ message: String) {
        state.withLock { $0.warnings += 1 }
        emit("warning: " + message)
    }

    /// Informational line (summaries, notices).
    public func note(_ message: String) { emit(message) }

    /// A progress line that rewrites itself; shown only on a terminal.
    public func progress(_ message: String) {
        guard isTerminal else { return }
        state.withLock { $0.progressShown = true }
        write("\r\u{1B}[K\(tool): \(message)")
    }

    private func emit(_ message: String) {
        let clear = state.withLock { state -> Bool in
            defer { state.progressShown = false }
            return state.progressShown
        }
        write((clear ? "\r\u{1B}[K" : "") + (isLog ? Self.now() + " " : "") + "\(tool): \(message)\n")
    }

    /// `2026-12-07T17:00:00Z`, this moment in UTC.
    static func now() -> String {
        var clock = time(nil)
        var t = tm()
        gmtime_r(&clock, &t)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(t.tm_year + 1900)-\(two(t.tm_mon + 1))-\(two(t.tm_mday))T\(two(t.tm_hour)):\(two(t.tm_min)):"
            + "\(two(t.tm_sec))Z"
    }
}

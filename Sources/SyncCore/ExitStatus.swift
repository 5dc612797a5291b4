/// The exit statuses every tool uses (DESIGN.md §5).
public enum ExitStatus: Int32, Sendable {
    /// Success, including runs with row-level rejects.
    case success = 0
    /// The run failed: connection, query, HTTP retries used up, authentication, output not writable.
    case failure = 1
    /// Usage or configuration error: bad flag, unreadable schema, unknown `{{variable}}`.
    case usage = 2
}

/// An error a tool reports as one line on stderr before exiting with `exitStatus`.
/// Conforming types build the message in one place and never include secrets.
public protocol ToolError: Error {
    var exitStatus: ExitStatus { get }
    /// One line, lowercase start, no trailing period, no tool prefix.
    var message: String { get }
}

/// A configuration or usage problem found by a tool's own checks (exit 2).
public struct ConfigurationError: ToolError, Equatable {
    public let message: String
    public var exitStatus: ExitStatus { .usage }
    public init(_ message: String) { self.message = message }
}

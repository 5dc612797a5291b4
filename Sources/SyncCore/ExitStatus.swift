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

/// A setting (a flag, an environment variable, a file a flag names) that a tool cannot take
/// (exit 2). The domains have their own such errors (`SourceError`, `SchemaError`, `StateError`);
/// this one covers the settings themselves, its messages written here once.
public enum ConfigurationError: ToolError, Equatable {
    /// `setting` must be `expected`; `got` is shown when it helps (never for secrets).
    case invalidValue(setting: String, expected: String, got: String? = nil)
    /// Nothing says what `what` is: `remedy` tells how to give it.
    case missing(String, remedy: String)
    /// `setting` only makes sense with `other` given too.
    case needs(setting: String, other: String, why: String? = nil)
    case exclusive(String, String)
    /// `setting` names a `kind` ("file", "folder") this user cannot read; `expected` says of what.
    case unreadable(setting: String, path: String, kind: String, expected: String? = nil)
    /// An action that loses knowledge, asked for without `--yes`.
    case unconfirmed(action: String)

    public var exitStatus: ExitStatus { .usage }

    public var message: String {
        switch self {
        case .invalidValue(let setting, let expected, let got):
            return "\(setting) must be \(expected)" + (got.map { ", got '\($0)'" } ?? "")
        case .missing(let what, let remedy):
            return "no \(what): \(remedy)"
        case .needs(let setting, let other, let why):
            return "\(setting) needs \(other)" + (why.map { " (\($0))" } ?? "")
        case .exclusive(let a, let b):
            return "pass either \(a) or \(b), not both"
        case .unreadable(let setting, let path, let kind, let expected):
            return "\(setting) names '\(path)', which is not a \(kind) this user can read"
                + (expected.map { " (expected \($0))" } ?? "")
        case .unconfirmed(let action):
            return "\(action); pass --yes to confirm"
        }
    }
}

import SyncCore

/// Why a `--source` / `WH_SOURCE` text was refused (exit 2). The source text itself is never part
/// of a message: it may hold a password; a message names the scheme and the offending part.
public enum SourceError: ToolError, Equatable {
    /// The text starts with no scheme this tool reads.
    case unsupportedScheme(String)
    /// `odbc:` or `sqlite:` with nothing after it.
    case emptyAfterScheme(scheme: String, example: String)
    /// A cloud source without its project, account or host.
    case missingHost(scheme: String)
    /// Credentials written into a cloud source URL (`user:password@`, or `key` as a parameter).
    case credentialsInURL(scheme: String, parameter: String?)
    case unknownParameter(scheme: String, parameter: String, known: [String])
    /// The path after the host does not have the shape the scheme needs.
    case badPath(scheme: String, expected: String)
    case badParameterValue(scheme: String, parameter: String, expected: String, got: String)

    public var exitStatus: ExitStatus { .usage }

    public var message: String {
        switch self {
        case .unsupportedScheme(let scheme):
            return "unsupported source '\(scheme):…'; expected postgres://, postgresql://, redshift://, odbc:, "
                + "sqlite:, bigquery://, snowflake:// or databricks://"
        case .emptyAfterScheme(let scheme, let example):
            return "source '\(scheme):' needs \(example)"
        case .missingHost(let scheme):
            let part = scheme == "bigquery" ? "project" : scheme == "snowflake" ? "account" : "host"
            return "source '\(scheme)://' needs a \(part)"
        case .credentialsInURL(let scheme, let parameter):
            let what = parameter.map { "no '\($0)'" } ?? "no user or password"
            return "\(scheme):// sources take \(what) in the URL; credentials come from files or the environment "
                + "(see wh-extract --help)"
        case .unknownParameter(let scheme, let parameter, let known):
            return
                "unknown parameter '\(parameter)' in the \(scheme):// source; known: \(known.joined(separator: ", "))"
        case .badPath(let scheme, let expected):
            return "\(scheme):// source: expected \(expected)"
        case .badParameterValue(let scheme, let parameter, let expected, let got):
            return "\(scheme):// source: \(parameter) must be \(expected), got '\(got)'"
        }
    }
}

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
    /// libpq cannot parse the PostgreSQL source (its reason, without quoted text).
    case unparsableConninfo(reason: String)
    /// The source text holds a secret (the option's name) where it must not: in argv, or in a
    /// sync file.
    case embeddedSecret(option: String, remedy: String)

    public var exitStatus: ExitStatus { .usage }

    public var message: String {
        switch self {
        case .unsupportedScheme(let scheme):
            return "unsupported source '\(scheme):…'; expected postgres://, postgresql://, redshift://, odbc:, "
                + "sqlite:, bigquery://, snowflake://, databricks:// or libpq's key=value form (host=… dbname=…, "
                + "service=NAME)"
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
        case .unparsableConninfo(let reason):
            return "libpq cannot read the PostgreSQL source: \(reason)"
        case .embeddedSecret(let option, let remedy):
            return "the source holds a secret ('\(option)'); \(remedy)"
        }
    }

    /// libpq quotes what it could not parse, which may be a piece of a password: only the names
    /// of options it quotes are kept.
    public static func withoutQuotedText(_ reason: String) -> String {
        let keepsNames =
            reason.hasPrefix("invalid connection option") || reason.hasPrefix("invalid URI query parameter")
        guard !keepsNames else { return reason }
        // Quoted punctuation ("=") says what is missing and is kept; quoted words go.
        let parts = reason.split(separator: "\"", omittingEmptySubsequences: false)
        return parts.enumerated().map { index, part in
            index % 2 == 0 || !part.contains(where: { $0.isLetter || $0.isNumber }) ? String(part) : "…"
        }.joined(separator: "\"")
    }
}

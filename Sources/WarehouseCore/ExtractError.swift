import SyncCore
import StreamIO

/// Everything that can stop an extraction. Messages never contain passwords or tokens: driver
/// text passes through `SecretScrubber` before it is stored here.
public enum ExtractError: ToolError, Equatable {
    /// The warehouse could not be reached or refused the login.
    case connectionFailed(endpoint: String, reason: String)
    /// The warehouse rejected the query; `line`/`column` point into the rendered query.
    case queryFailed(reason: String, line: Int?, column: Int?, detail: String?)
    /// The statement ran but returned no result set (not a SELECT).
    case noResultSet
    /// A driver error while fetching rows.
    case fetchFailed(reason: String, row: Int)
    /// SIGINT or SIGTERM arrived; the statement was cancelled on the server.
    case cancelled(signal: String)
    /// The query file could not be read.
    /// Missing or contradictory settings found while connecting (no credentials, say).
    case configuration(String)
    /// `--last-sync-time` lies in the future of the warehouse's clock (or of this host's, for a
    /// source without one): a watermark that can only hide rows, never a value to use.
    case watermarkInFuture(lastSyncTime: Int64, now: Int64, clock: String)
    /// Two result columns share a name; which one a field would take is arbitrary.
    case duplicateColumn(name: String, first: Int, second: Int)
    /// The query could change the warehouse (checked where no read-only session exists).
    case notReadOnly(String)
    case output(OutputError)

    public var exitStatus: ExitStatus {
        switch self {
        case .configuration, .watermarkInFuture, .duplicateColumn, .notReadOnly: return .usage
        case .output(let e): return e.exitStatus
        default: return .failure
        }
    }

    public var message: String {
        switch self {
        case .connectionFailed(let endpoint, let reason):
            return "connection failed: \(endpoint): \(reason)"
        case .queryFailed(let reason, let line, let column, let detail):
            var text = "query failed"
            if let line { text += " at line \(line)" + (column.map { " column \($0)" } ?? "") }
            text += ": \(reason)"
            if let detail, !detail.isEmpty { text += " (\(detail))" }
            return text
        case .noResultSet:
            return "the query returned no result set; a sync query must be a single SELECT"
        case .fetchFailed(let reason, let row):
            return "fetching row \(row) failed: \(reason)"
        case .cancelled(let signal):
            return "cancelled by \(signal); the query was cancelled on the warehouse"
        case .configuration(let text):
            return text
        case .watermarkInFuture(let stored, let now, let clock):
            return "--last-sync-time \(stored) is \(stored - now) seconds ahead of the \(clock)'s clock (\(now)); "
                + "a watermark in the future would skip every row changed until then. Reset the sync, or pass a time "
                + "in the past"
        case .duplicateColumn(let name, let first, let second):
            return
                "column '\(name)' appears twice in the query's result (columns \(first) and \(second)); give one of "
                + "them another name with AS"
        case .notReadOnly(let why):
            return "refused: \(why)"
        case .output(let e):
            return e.message
        }
    }

    /// 1-based line and column of a 1-based character position in `query`.
    public static func lineAndColumn(ofCharacter position: Int, in query: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for (k, c) in query.enumerated() {
            if k >= position - 1 { break }
            if c == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}

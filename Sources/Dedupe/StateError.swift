import SQLiteDatabase
import SyncCore

/// Why cv-dedupe cannot use its state or run id (exit 2): each message says what it means for
/// the sync and what to do, in one place.
public enum StateError: ToolError, Equatable {
    /// The file was written by a newer cv-dedupe.
    case newerFormat(path: String, version: Int, readable: Int)
    /// A 0-byte file: SQLite would silently start over, sending everything again.
    case empty(path: String)
    case damaged(path: String, detail: String)
    case notWritable(path: String, folder: String, detail: String)
    /// `cv-dedupe check` on a state that does not exist yet.
    case missing(path: String)
    /// Run ids become file names.
    case invalidRunID(String)
    case runAlreadyCommitted(run: String, path: String)
    case noPendingRun(run: String, path: String)
    /// A spill file holds something cv-dedupe did not write (the run's scratch was altered).
    case damagedSpill(detail: String)
    /// Any other failure of the state's database while working (a full disk, I/O).
    case database(SQLiteError)

    public var exitStatus: ExitStatus {
        switch self {
        case .damagedSpill, .database: return .failure
        default: return .usage
        }
    }

    public var message: String {
        let resync = "accept a full resync by removing it (cv-sync reset NAME --yes)"
        switch self {
        case .newerFormat(let path, let version, let readable):
            return "state file '\(path)' has format version \(version); this cv-dedupe reads version \(readable) "
                + "and older"
        case .empty(let path):
            return "state file '\(path)' is empty (0 bytes): what Conversion acknowledged is no longer known, so the "
                + "next run would send every record again as new. Restore it from a backup, or \(resync)"
        case .damaged(let path, let detail):
            return "state file '\(path)' is damaged (\(detail)): restore it from a backup, or \(resync)"
        case .notWritable(let path, let folder, let detail):
            return "cannot write the state file '\(path)' (\(detail)): the user running this needs write access to "
                + "it and to its folder '\(folder)'"
        case .missing(let path):
            return "no state file '\(path)' (a sync's first run creates it)"
        case .invalidRunID(let run):
            return "run id '\(run)' must be 1 to 128 letters, digits, '-', '_', '.', ':' and not start with '.'"
        case .runAlreadyCommitted(let run, let path):
            return "run '\(run)' was already committed to \(path); use a new run id"
        case .noPendingRun(let run, let path):
            return "no pending records for run '\(run)' next to \(path) (was the run started with this state file?)"
        case .damagedSpill(let detail):
            return "a spill file of this run is damaged: \(detail)"
        case .database(let error):
            return "state database: \(error.context): \(error.detail)"
        }
    }
}

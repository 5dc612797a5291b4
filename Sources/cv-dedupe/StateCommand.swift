import Dedupe
import SQLiteDatabase
import ToolRuntime

/// A cv-dedupe command: a SQLite error it did not explain itself is about the sync's state.
protocol StateCommand: ToolCommand {}

extension StateCommand {
    static func explain(_ error: any Error) -> any Error {
        guard let error = error as? SQLiteError else { return error }
        return StateError.database(error)
    }
}

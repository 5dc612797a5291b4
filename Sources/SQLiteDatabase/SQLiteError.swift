import SyncCore

/// A failed SQLite call, with the library's message and what was being done.
public struct SQLiteError: ToolError, Equatable {
    public let code: Int32
    public let context: String
    public let detail: String

    public var exitStatus: ExitStatus { .failure }
    public var message: String { "state database: \(context): \(detail)" }

    public init(code: Int32, context: String, detail: String) {
        self.code = code
        self.context = context
        self.detail = detail
    }
}

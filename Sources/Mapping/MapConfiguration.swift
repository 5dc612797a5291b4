import ConversionAPI
import JSONCodec
import SyncCore
import StreamIO

/// One `cv-map` run, resolved from flags.
public struct MapConfiguration: Sendable {
    public var destination: Destination
    public var schema: WorkspaceSchema
    /// How messages name the schema: its path, or `<built-in>`.
    public var schemaName: String
    public var nulls: NullHandling
    public var inputPath: String?
    public var rejectsPath: String?
    public var statsPath: String?
    public var maxRejects: Int?

    public init(
        destination: Destination, schema: WorkspaceSchema, schemaName: String, nulls: NullHandling = .skip,
        inputPath: String? = nil, rejectsPath: String? = nil, statsPath: String? = nil, maxRejects: Int? = nil
    )
        throws(SchemaError)
    {
        if case .objects(let type) = destination, schema.objectTypes[type] == nil {
            throw .objectTypeNotFound(schema: schemaName, type: type)
        }
        self.destination = destination
        self.schema = schema
        self.schemaName = schemaName
        self.nulls = nulls
        self.inputPath = inputPath
        self.rejectsPath = rejectsPath
        self.statsPath = statsPath
        self.maxRejects = maxRejects
    }
}

/// The counts of one run: rows = records + rejected, always.
public struct MapStats: Sendable, Equatable {
    public var rows = 0
    public var records = 0
    public var rejected = 0
    public var rejectedByCode: [String: Int] = [:]
    public var blankLines = 0
    public var ignoredColumns: [String] = []
    /// "Did you mean" for each ignored column, where one is close enough.
    public var ignoredColumnSuggestions: [String?] = []
    /// Reserved names matched despite their case: (column as it came, reserved name).
    public var foldedColumns: [FoldedColumn] = []

    public func json(type: String) -> JSONObject {
        [
            StatsKey.tool.rawValue: .string("cv-map"), "type": .string(type), "rows": .count(rows),
            "records": .count(records), StatsKey.rejected.rawValue: .count(rejected),
            StatsKey.rejectedByCode.rawValue: .counts(rejectedByCode), "blankLines": .count(blankLines),
            "ignoredColumns": .array(ignoredColumns.map(JSONValue.string)),
            "ignoredColumnSuggestions": .object(
                JSONObject(
                    zip(ignoredColumns, ignoredColumnSuggestions).compactMap { name, hint in
                        hint.map { (name, JSONValue.string($0)) }
                    })),
            "foldedColumns": .object(JSONObject(foldedColumns.map { ($0.column, JSONValue.string($0.reserved)) })),
        ]
    }

    /// One line for stderr.
    public var summary: String {
        var text = "\(rows) rows: \(records) records, \(rejected) rejected"
        if !rejectedByCode.isEmpty {
            text +=
                " (" + rejectedByCode.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                + ")"
        }
        if !ignoredColumns.isEmpty {
            text += ", \(ignoredColumns.count) column\(ignoredColumns.count == 1 ? "" : "s") ignored"
        }
        if blankLines > 0 { text += ", \(blankLines) blank line\(blankLines == 1 ? "" : "s") skipped" }
        return text
    }
}

/// A run stopped because `--max-rejects` was exceeded.
public struct TooManyRejects: ToolError {
    public let limit: Int
    public var exitStatus: ExitStatus { .failure }
    public var message: String {
        "more than \(limit) row\(limit == 1 ? "" : "s") rejected; stopping (--max-rejects \(limit))"
    }
}

/// A column taken as a reserved name whose case the warehouse changed.
public struct FoldedColumn: Sendable, Equatable {
    public var column: String
    public var reserved: String
}

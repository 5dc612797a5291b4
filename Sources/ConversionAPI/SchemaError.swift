import SyncCore

/// Why a workspace schema (a `--schema` file, or an emulator request adding an object type) or
/// an object type named on the command line was refused (exit 2). `schema` names its source.
public enum SchemaError: ToolError, Equatable {
    case unreadable(detail: String)
    case invalidJSON(schema: String, detail: String)
    case notAnObject(schema: String)
    case unknownSection(schema: String, section: String)
    /// `at` is the key path inside the schema (`objects`, `contacts`, `objects.product.fields`).
    case wrongShape(schema: String, at: String, expected: String)
    case unknownFieldType(schema: String, at: String, got: String)
    case invalidObjectTypeKey(schema: String?, type: String)
    case objectTypeNotFound(schema: String, type: String)
    /// A key a section does not have (`"field"` for `"fields"`), which would silently add nothing.
    case unknownKey(schema: String, at: String, key: String, expected: [String])

    public var exitStatus: ExitStatus { .usage }

    public var message: String {
        switch self {
        case .unreadable(let detail):
            return "cannot read schema: \(detail)"
        case .invalidJSON(let schema, let detail):
            return "schema \(schema): invalid JSON: \(detail)"
        case .notAnObject(let schema):
            return "schema \(schema): expected a JSON object at the top"
        case .unknownSection(let schema, let section):
            return "schema \(schema): unknown section '\(section)' (expected contacts, companies, objects, events)"
        case .wrongShape(let schema, let at, let expected):
            return "schema \(schema): '\(at)' must be \(expected)"
        case .unknownFieldType(let schema, let at, let got):
            let types = FieldType.allCases.map(\.rawValue).joined(separator: ", ")
            return "schema \(schema): '\(at)': type must be one of \(types), got \(got)"
        case .invalidObjectTypeKey(let schema, let type):
            return (schema.map { "schema \($0): " } ?? "")
                + "object type '\(type)' must be \(APIContract.objectTypeKeyRule)"
        case .objectTypeNotFound(let schema, let type):
            return "object type '\(type)' not found in schema \(schema)"
        case .unknownKey(let schema, let at, let key, let expected):
            return "schema \(schema): unknown key '\(key)' in '\(at)' (expected "
                + expected.map { "'\($0)'" }.joined(separator: " or ") + ")"
        }
    }
}

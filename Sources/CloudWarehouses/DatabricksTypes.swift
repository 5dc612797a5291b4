import JSONCodec
import WarehouseCore

/// How Databricks values become JSON, by `manifest.schema.columns[].type_name` (Databricks names
/// such as INT, DECIMAL, TIMESTAMP, ARRAY, and the DuckDB-style names some servers report).
/// JSON_ARRAY results carry values as strings; complex types as JSON text.
enum DatabricksTypes {
    static func columns(of schema: JSONValue?) -> [ColumnDescription] {
        guard case .array(let list)? = schema?.objectValue?["columns"] else { return [] }
        return list.compactMap { item in
            guard let column = item.objectValue, let name = column["name"]?.stringValue else { return nil }
            let type = column["type_name"]?.stringValue ?? column["type_text"]?.stringValue ?? "STRING"
            return ColumnDescription(name: name, encoding: encoding(ofType: type))
        }
    }

    static func encoding(ofType type: String) -> ColumnEncoding {
        let upper = type.uppercased()
        if upper.hasSuffix("]") || upper.hasPrefix("ARRAY") || upper.hasPrefix("STRUCT") || upper.hasPrefix("MAP") {
            return .json
        }
        let base = upper.prefix { $0 != "(" && $0 != "<" }.trimmingCharacters(in: " ")
        switch base {
        case "BYTE", "SHORT", "INT", "LONG", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
            "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT":
            return .integer
        case "DECIMAL", "NUMERIC", "DEC": return .decimal
        case "FLOAT", "DOUBLE", "REAL": return .float
        case "BOOLEAN", "BOOL": return .boolean
        case "DATE": return .date
        case "TIMESTAMP", "TIMESTAMP_NTZ", "TIMESTAMP_LTZ", "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ": return .timestamp
        case "VARIANT", "JSON", "OBJECT": return .json
        default: return .text  // STRING, CHAR, VARCHAR, BINARY (base64), INTERVAL, …
        }
    }
}

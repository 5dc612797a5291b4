import JSONCodec
import WarehouseCore

/// How Snowflake SQL API values (all strings in the `jsonv2` format) become JSON, by
/// `resultSetMetaData.rowType[].type`: FIXED with scale 0 an integer, with a scale a decimal;
/// DATE days since the epoch; TIME seconds since midnight; TIMESTAMP_* epoch seconds with nine
/// decimals (TIMESTAMP_TZ followed by its offset code); VARIANT, OBJECT and ARRAY JSON text;
/// BINARY hex.
enum SnowflakeTypes {
    static func columns(of rowType: JSONValue?) -> [ColumnDescription] {
        guard case .array(let list)? = rowType else { return [] }
        return list.compactMap { item in
            guard let column = item.objectValue, let name = column["name"]?.stringValue else { return nil }
            let scale =
                column["scale"].flatMap { if case .number(let n) = $0 { return Int(n) } else { return nil } } ?? 0
            return ColumnDescription(
                name: name, encoding: encoding(ofType: column["type"]?.stringValue ?? "text", scale: scale))
        }
    }

    static func encoding(ofType type: String, scale: Int) -> ColumnEncoding {
        switch type.lowercased() {
        case "fixed": return scale == 0 ? .integer : .decimal
        case "decfloat": return .decimal
        case "real", "float", "double": return .float
        case "boolean": return .boolean
        case "date": return .epochDays
        case "time": return .secondsOfDay
        case "timestamp_ntz", "timestamp_ltz", "timestamp_tz", "timestamp": return .epochSeconds
        case "variant", "object", "array", "map", "vector", "geography", "geometry": return .json
        case "binary": return .hex
        default: return .text
        }
    }
}

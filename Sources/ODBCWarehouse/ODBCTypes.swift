import WarehouseCore

/// ODBC SQL types (sql.h, sqlext.h) and driver type names → how values become JSON.
enum ODBCTypes {
    static func encoding(sqlType: Int16, typeName: String) -> ColumnEncoding {
        let name = typeName.lowercased()
        if let byName = encodingByName(name) { return byName }
        switch sqlType {
        case 4, 5, -5, -6: return .integer  // INTEGER, SMALLINT, BIGINT, TINYINT
        case 2, 3: return .decimal  // NUMERIC, DECIMAL
        case 6, 7, 8: return .float  // FLOAT, REAL, DOUBLE
        case -7, 16: return .boolean  // BIT, BOOLEAN
        case 91, 9: return .date  // TYPE_DATE, DATE (ODBC 2)
        case 93, 11: return .timestamp  // TYPE_TIMESTAMP, TIMESTAMP (ODBC 2)
        case -2, -3, -4: return .binary  // BINARY, VARBINARY, LONGVARBINARY
        case -11: return .uuid  // GUID
        default: return .text
        }
    }

    /// Driver type names that say more than the SQL type (psqlODBC reports json as text and
    /// arrays as `_int4`; SQLite reports the declared type).
    private static func encodingByName(_ name: String) -> ColumnEncoding? {
        switch name {
        case "json", "jsonb": return .json
        case "bool", "boolean": return .boolean
        case "timestamptz", "timestamp with time zone", "timestamp", "datetime": return .timestamp
        case "bytea": return .binary
        case "uuid": return .uuid
        case "interval", "time", "timetz": return .text
        default: break
        }
        if name.hasPrefix("_"), let element = elementEncoding(String(name.dropFirst())) { return .array(element) }
        return nil
    }

    private static func elementEncoding(_ name: String) -> ColumnEncoding? {
        switch name {
        case "int2", "int4", "int8", "oid": return .integer
        case "float4", "float8": return .float
        case "numeric": return .decimal
        case "bool": return .boolean
        case "json", "jsonb": return .json
        case "date": return .date
        case "timestamp", "timestamptz": return .timestamp
        case "bytea": return .byteaHex
        case "uuid": return .uuid
        case "text", "varchar", "bpchar", "char", "name", "time", "timetz", "interval": return .text
        default: return nil
        }
    }
}

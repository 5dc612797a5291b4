import WarehouseCore

/// PostgreSQL type OIDs (pg_type.dat) and how their text output becomes JSON.
/// Types not listed (enums, inet, money, composites, …) are written as strings.
enum PostgresTypes {
    static func encoding(forOID oid: UInt32) -> ColumnEncoding {
        if let scalar = scalars[oid] { return scalar }
        if let element = arrays[oid] { return .array(scalars[element] ?? .text) }
        return .text
    }

    private static let scalars: [UInt32: ColumnEncoding] = [
        16: .boolean,  // bool
        17: .byteaHex,  // bytea
        20: .integer, 21: .integer, 23: .integer, 26: .integer,  // int8, int2, int4, oid
        700: .float, 701: .float,  // float4, float8
        1700: .decimal,  // numeric
        114: .json, 3802: .json,  // json, jsonb
        1082: .date,  // date
        1114: .timestamp, 1184: .timestamp,  // timestamp, timestamptz (session TimeZone is UTC)
        18: .text, 19: .text, 25: .text, 1042: .text, 1043: .text,  // char, name, text, bpchar, varchar
        2950: .uuid,  // uuid
        1083: .text, 1266: .text,  // time, timetz
        1186: .text,  // interval (IntervalStyle iso_8601)
    ]

    /// Array type OID → element type OID.
    private static let arrays: [UInt32: UInt32] = [
        1000: 16, 1001: 17, 1016: 20, 1005: 21, 1007: 23, 1028: 26,
        1021: 700, 1022: 701, 1231: 1700, 199: 114, 3807: 3802,
        1182: 1082, 1115: 1114, 1185: 1184,
        1002: 18, 1003: 19, 1009: 25, 1014: 1042, 1015: 1043, 2951: 2950,
        1183: 1083, 1270: 1266, 1187: 1186,
    ]
}

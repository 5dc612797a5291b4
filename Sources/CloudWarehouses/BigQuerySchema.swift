import JSONCodec
import WarehouseCore

/// A BigQuery result column's shape: a scalar with its encoding, a RECORD of named fields, or a
/// REPEATED list of another shape.
indirect enum BigQueryShape: Equatable {
    case scalar(ColumnEncoding)
    case record([(name: String, shape: BigQueryShape)])
    case repeated(BigQueryShape)

    static func == (a: BigQueryShape, b: BigQueryShape) -> Bool {
        switch (a, b) {
        case (.scalar(let x), .scalar(let y)): return x == y
        case (.repeated(let x), .repeated(let y)): return x == y
        case (.record(let x), .record(let y)): return x.map(\.name) == y.map(\.name) && x.map(\.shape) == y.map(\.shape)
        default: return false
        }
    }

    /// The shapes of `schema.fields` (a `TableSchema`), in order, with their names.
    static func fields(of schema: JSONValue?) -> [(name: String, shape: BigQueryShape)] {
        guard case .array(let fields)? = schema?.objectValue?["fields"] else { return [] }
        return fields.compactMap { field in
            guard let object = field.objectValue, let name = object["name"]?.stringValue else { return nil }
            return (name, shape(of: object))
        }
    }

    static func shape(of field: JSONObject) -> BigQueryShape {
        let type = (field["type"]?.stringValue ?? "STRING").uppercased()
        let element: BigQueryShape =
            type == "RECORD" || type == "STRUCT"
            ? .record(fields(of: .object(field)))
            : .scalar(encoding(ofType: type))
        return field["mode"]?.stringValue?.uppercased() == "REPEATED" ? .repeated(element) : element
    }

    /// How a BigQuery type's text becomes JSON (values arrive as strings in `f`/`v` rows).
    static func encoding(ofType type: String) -> ColumnEncoding {
        switch type {
        case "INTEGER", "INT64": return .integer
        case "NUMERIC", "BIGNUMERIC", "DECIMAL", "BIGDECIMAL": return .decimal
        case "FLOAT", "FLOAT64": return .float
        case "BOOLEAN", "BOOL": return .boolean
        case "TIMESTAMP": return .epochMicroseconds
        case "DATETIME": return .timestamp
        case "DATE": return .date
        case "JSON": return .json
        default: return .text  // STRING, BYTES (already base64), TIME, GEOGRAPHY, INTERVAL, RANGE
        }
    }
}

/// Writes BigQuery `f`/`v` rows as NDJSON objects.
struct BigQueryRowWriter {
    let shapes: [BigQueryShape]
    let row: RowEncoder
    private var cells = CellEncoder()

    init(fields: [(name: String, shape: BigQueryShape)]) {
        shapes = fields.map(\.shape)
        row = RowEncoder(columns: fields.map { ColumnDescription(name: $0.name, encoding: .text) })
    }

    /// Writes the row object at `index` (`{"f":[{"v":…},…]}`); false when it is not of that form.
    mutating func write(_ tape: JSONTape, row index: Int, into w: inout JSONWriter) -> Bool {
        guard let f = tape.member("f", of: index) else { return false }
        let cellTokens = Array(tape.elements(ofArray: f))
        guard cellTokens.count == shapes.count else { return false }
        for (k, cell) in cellTokens.enumerated() {
            row.writeKey(column: k, into: &w)
            writeValue(tape, cell: cell, shape: shapes[k], into: &w)
        }
        row.endRow(into: &w)
        return true
    }

    /// `cell` is a `{"v":…}` object.
    private mutating func writeValue(_ tape: JSONTape, cell: Int, shape: BigQueryShape, into w: inout JSONWriter) {
        guard let v = tape.member("v", of: cell), tape[v].kind != .null else { return w.writeRaw("null") }
        switch shape {
        case .scalar(let encoding):
            cells.encode(tape, at: v, as: encoding, into: &w)
        case .repeated(let element):
            w.writeByte(UInt8(ascii: "["))
            for (k, item) in Array(tape.elements(ofArray: v)).enumerated() {
                if k > 0 { w.writeByte(UInt8(ascii: ",")) }
                writeValue(tape, cell: item, shape: element, into: &w)
            }
            w.writeByte(UInt8(ascii: "]"))
        case .record(let fields):
            let values = tape.member("f", of: v).map { Array(tape.elements(ofArray: $0)) } ?? []
            w.writeByte(UInt8(ascii: "{"))
            for (k, field) in fields.enumerated() {
                if k > 0 { w.writeByte(UInt8(ascii: ",")) }
                w.writeString(field.name)
                w.writeByte(UInt8(ascii: ":"))
                if k < values.count {
                    writeValue(tape, cell: values[k], shape: field.shape, into: &w)
                } else {
                    w.writeRaw("null")
                }
            }
            w.writeByte(UInt8(ascii: "}"))
        }
    }
}

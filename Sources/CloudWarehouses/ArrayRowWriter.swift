import JSONCodec
import WarehouseCore

/// Writes rows that arrive as JSON arrays of cells (Snowflake `data`, Databricks `data_array`).
struct ArrayRowWriter {
    let row: RowEncoder
    private var cells = CellEncoder()

    init(columns: [ColumnDescription]) { row = RowEncoder(columns: columns) }

    var columnCount: Int { row.columns.count }

    /// Writes the row array at `index`; false when it is not an array of one cell per column.
    mutating func write(_ tape: JSONTape, row index: Int, into w: inout JSONWriter) -> Bool {
        guard tape[index].kind == .array, Int(tape[index].start) == row.columns.count else { return false }
        var k = index + 1
        for column in 0..<row.columns.count {
            row.writeKey(column: column, into: &w)
            cells.encode(tape, at: k, as: row.columns[column].encoding, into: &w)
            k = Int(tape[k].next)
        }
        row.endRow(into: &w)
        return true
    }
}

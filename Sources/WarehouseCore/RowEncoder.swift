import JSONCodec
import SyncCore

/// Turns one result row at a time into an NDJSON line. Column keys are escaped once, up front;
/// values go straight from the driver's buffers into the writer.
public struct RowEncoder {
    public let columns: [ColumnDescription]
    private let keyPrefixes: [[UInt8]]
    private var values = ValueEncoder()

    public init(columns: [ColumnDescription]) {
        self.columns = columns
        var prefixes: [[UInt8]] = []
        for (k, column) in columns.enumerated() {
            var w = JSONWriter(capacity: column.name.utf8.count + 4)
            w.writeByte(k == 0 ? UInt8(ascii: "{") : UInt8(ascii: ","))
            w.writeString(column.name)
            w.writeByte(UInt8(ascii: ":"))
            prefixes.append(w.bytes.array)
        }
        keyPrefixes = prefixes
    }

    public var columnNames: [String] { columns.map(\.name) }

    /// Writes column `index`'s key and value; `text` nil means SQL NULL.
    @inline(__always)
    public mutating func encode(column index: Int, text: Span<UInt8>?, into w: inout JSONWriter) {
        w.writeRaw(keyPrefixes[index])
        guard let text else {
            w.writeRaw("null")
            return
        }
        values.encode(text, as: columns[index].encoding, into: &w)
    }

    /// Writes column `index`'s key (with the `{` or `,` before it); the caller writes the value.
    @inline(__always)
    public func writeKey(column index: Int, into w: inout JSONWriter) {
        w.writeRaw(keyPrefixes[index])
    }

    /// Closes the row and its line.
    @inline(__always)
    public func endRow(into w: inout JSONWriter) {
        if columns.isEmpty { w.writeByte(UInt8(ascii: "{")) }
        w.writeByte(UInt8(ascii: "}"))
        w.writeByte(0x0A)
    }
}

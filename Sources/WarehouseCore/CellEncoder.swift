import JSONCodec

/// Writes one cell of a JSON result page (a REST warehouse's row value) according to the
/// column's encoding. Cells are usually strings holding the value's text; native JSON numbers,
/// booleans and containers (as some servers send) are taken as they are.
public struct CellEncoder {
    private var values = ValueEncoder()
    private var unescaped: [UInt8] = []

    public init() {}

    public mutating func encode(_ tape: JSONTape, at index: Int, as encoding: ColumnEncoding, into w: inout JSONWriter)
    {
        let token = tape[index]
        switch token.kind {
        case .null:
            w.writeRaw("null")
        case .true, .false:
            if encoding == .text {
                w.writeString(token.kind == .true ? "true" : "false")
            } else {
                _ = w.writeTapeValue(tape, at: index)
            }
        case .number:
            values.encode(
                tape.bytes(index), as: encoding == .boolean ? .boolean : Self.numberEncoding(encoding), into: &w)
        case .array, .object:
            _ = w.writeTapeValue(tape, at: index)
        case .string:
            guard token.hasEscapes else { return values.encode(tape.bytes(index), as: encoding, into: &w) }
            unescaped.removeAll(keepingCapacity: true)
            tape.decodeString(index, into: &unescaped)
            let decoded = unescaped
            values.encode(decoded.span, as: encoding, into: &w)
        }
    }

    /// A native number stays a number unless the column is text or a timestamp form.
    private static func numberEncoding(_ encoding: ColumnEncoding) -> ColumnEncoding {
        switch encoding {
        case .text, .uuid, .date: return .text
        case .epochSeconds, .epochMicroseconds, .epochDays, .secondsOfDay: return encoding
        default: return .decimal
        }
    }
}

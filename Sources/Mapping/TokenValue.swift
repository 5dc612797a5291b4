import ConversionAPI
import JSONCodec
import TimeFormats

/// Checks and writes single values straight from the input tape, without building trees.
enum TokenValue {
    /// A value as JSON text for messages, cut at 200 characters.
    static func display(_ tape: JSONTape, _ token: Int) -> String {
        var w = JSONWriter(capacity: 64)
        w.writeTapeValue(tape, at: token)
        let text = w.bytes.text
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    @inline(__always)
    static func isNull(_ tape: JSONTape, _ token: Int) -> Bool { tape[token].kind == .null }

    /// Writes an identifier (userId, id, eventId) as a JSON string: strings as given, integers
    /// with their exact digits.
    static func writeIdentifier(_ tape: JSONTape, _ token: Int, column: String, into w: inout JSONWriter)
        throws(MapFailure)
    {
        let t = tape[token]
        switch t.kind {
        case .string:
            guard t.end > t.start, !isBlank(tape.bytes(token)) else {
                throw .invalidValue(column: column, expected: "a non-empty string or an integer", got: "\"\"")
            }
            w.writeStringToken(tape, at: token)
        case .number where isInteger(tape.bytes(token)):
            w.writeByte(0x22)
            w.writeRaw(tape.bytes(token))
            w.writeByte(0x22)
        default:
            throw .invalidValue(column: column, expected: "a string or an integer", got: display(tape, token))
        }
    }

    static func isInteger(_ raw: Span<UInt8>) -> Bool {
        raw.allSatisfy { $0 != UInt8(ascii: ".") && $0 | 0x20 != UInt8(ascii: "e") }
    }

    static func isBlank(_ raw: Span<UInt8>) -> Bool { raw.allSatisfy { $0 == 0x20 || $0 == 0x09 } }

    /// Writes a value of a declared field type, or throws `invalid_field_value`. Numbers and
    /// booleans are accepted into string fields as their exact text; text is never turned into
    /// a number or a boolean.
    /// `key` is the token of the column's name (or of the relationshipFields key when `nested`);
    /// names are decoded only for messages, so the valid path allocates nothing.
    static func writeField(
        _ tape: JSONTape, _ token: Int, as type: FieldType, key: Int, nested: Bool = false,
        into w: inout JSONWriter
    ) throws(MapFailure) {
        let t = tape[token]
        var fail: MapFailure {
            let name = (nested ? ReservedColumn.relationshipFields + "." : "") + tape.decodeString(key)
            return .invalidValue(column: name, expected: type.expectation, got: display(tape, token))
        }
        switch type {
        case .string:
            switch t.kind {
            case .string: w.writeStringToken(tape, at: token)
            case .number:
                w.writeByte(0x22)
                w.writeRaw(tape.bytes(token))
                w.writeByte(0x22)
            case .true: w.writeRaw("\"true\"")
            case .false: w.writeRaw("\"false\"")
            default: throw fail
            }
        case .number:
            guard t.kind == .number else { throw fail }
            w.writeRaw(tape.bytes(token))
        case .boolean:
            guard t.kind == .true || t.kind == .false else { throw fail }
            w.writeRaw(t.kind == .true ? "true" : "false")
        case .date:
            guard t.kind == .string, !t.hasEscapes, isDate(tape.bytes(token)) else { throw fail }
            w.writeStringToken(tape, at: token)
        case .datetime:
            w.writeByte(0x22)
            guard Timestamp.write(tape, token, into: &w.bytes) else { throw fail }
            w.writeByte(0x22)
        }
    }

    static func isDate(_ raw: Span<UInt8>) -> Bool {
        guard raw.count == 10 else { return false }
        var out: [UInt8] = []
        return UTCTimestamp.rewrite(raw, into: &out)
    }
}

import ConversionAPI
import JSONCodec

extension RecordMapper {
    /// `{"type":"event","eventId":…,"userId":…,"email":…,"event":…,"timestamp":…,"data":{…}`
    func writeEvent(_ tape: JSONTape, into w: inout JSONWriter) throws(MapFailure) {
        w.writeRaw("{\"type\":\"event\"")
        if let eventId = value(.eventId, tape) {
            w.writeRaw(",\"eventId\":")
            try TokenValue.writeIdentifier(tape, eventId, column: ReservedColumn.eventId, into: &w)
        }
        guard try writeContactIdentifiers(tape, into: &w) else {
            throw .missing("neither 'userId' nor 'email' has a value; an event needs its contact")
        }
        guard let name = value(.eventName, tape) else { throw .missing("column 'event_name' has no value") }
        guard tape[name].kind == .string, !TokenValue.isBlank(tape.bytes(name)) else {
            throw .invalidValue(
                column: ReservedColumn.eventName, expected: "a non-empty string", got: TokenValue.display(tape, name))
        }
        w.writeRaw(",\"event\":")
        w.writeStringToken(tape, at: name)
        guard let timestamp = value(.timestamp, tape) else { throw .missing("column 'timestamp' has no value") }
        w.writeRaw(",\"timestamp\":\"")
        guard Timestamp.write(tape, timestamp, into: &w.bytes) else {
            throw .invalidValue(
                column: ReservedColumn.timestamp, expected: FieldType.datetime.expectation,
                got: TokenValue.display(tape, timestamp))
        }
        w.writeRaw("\",\"data\":{")
        try writeProperties(tape, into: &w)
        w.writeByte(UInt8(ascii: "}"))
    }

    /// Every other column is an event property; typed when the schema declares it.
    private func writeProperties(_ tape: JSONTape, into w: inout JSONWriter) throws(MapFailure) {
        var written = 0
        for column in columns where column.slot == .property {
            let token = column.value
            if tape[token].kind == .null && nulls == .skip { continue }
            if written > 0 { w.writeByte(UInt8(ascii: ",")) }
            w.writeStringToken(tape, at: column.key)
            w.writeByte(UInt8(ascii: ":"))
            let declared =
                schema.eventProperties.isEmpty ? nil : schema.eventProperties.type(of: tape.decodeString(column.key))
            if let declared, tape[token].kind != .null {
                try TokenValue.writeField(tape, token, as: declared, key: column.key, into: &w)
            } else {
                w.writeTapeValue(tape, at: token)
            }
            written += 1
        }
    }
}

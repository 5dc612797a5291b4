import ConversionAPI
import JSONCodec

extension RecordMapper {
    /// `{"type":"object","objectType":…,"id":…,"fields":{…},"relationships":[{…}]`
    func writeObject(_ tape: JSONTape, into w: inout JSONWriter) throws(MapFailure) {
        guard case .objects(let type) = destination, let objectType = schema.objectTypes[type] else { return }
        w.writeRaw("{\"type\":\"object\",\"objectType\":")
        w.writeRaw(objectTypeJSON)
        guard let id = value(.objectId, tape) else {
            throw .missing("column 'id' has no value; an object needs its id")
        }
        w.writeRaw(",\"id\":")
        try TokenValue.writeIdentifier(tape, id, column: ReservedColumn.id, into: &w)
        w.writeRaw(",\"fields\":{")
        _ = try writeFields(
            tape, keys: fieldKeys, types: objectType.fields.types,
            select: { if case .field(let i) = $0 { return i } else { return nil } }, into: &w)
        w.writeRaw("},\"relationships\":[")
        let relationshipStart = w.bytes.count
        w.writeByte(UInt8(ascii: "{"))
        let namesContact = try writeContactIdentifiers(tape, into: &w)
        if namesContact {
            // writeContactIdentifiers starts with a comma; a relationship object must not.
            w.bytes.remove(at: relationshipStart + 1)
            w.writeRaw(",\"fields\":")
            try writeRelationshipFields(tape, objectType.relationshipFields, type: type, into: &w)
            w.writeByte(UInt8(ascii: "}"))
        } else {
            w.bytes.removeSubrange(relationshipStart...)
            if value(.relationshipFields, tape) != nil { scratch.orphanedRelationshipFields += 1 }
        }
        w.writeByte(UInt8(ascii: "]"))
    }

    /// The relationshipFields column: a JSON object, or a string holding one (warehouses'
    /// JSON_OBJECT often arrives as text). Keys must be relationship fields of the type.
    private func writeRelationshipFields(_ tape: JSONTape, _ fields: FieldSet, type: String, into w: inout JSONWriter)
        throws(MapFailure)
    {
        guard let token = value(.relationshipFields, tape) else { return w.writeRaw("{}") }
        switch tape[token].kind {
        case .object:
            try writeRelationshipObject(tape, token, fields, type: type, into: &w)
        case .string:
            var text = tape.decodeString(token)
            var parsed = scratch.relationshipTape
            var out = JSONWriter(capacity: 128)
            // The parsed tape points into `text`, so all use of it stays inside this closure.
            let failure: MapFailure? = text.withUTF8 { buffer in
                do throws(JSONSyntaxError) { try JSONParser().parse(buffer, into: &parsed) } catch {
                    return malformed(tape, token)
                }
                guard parsed[0].kind == .object else { return malformed(tape, token) }
                do throws(MapFailure) { try writeRelationshipObject(parsed, 0, fields, type: type, into: &out) } catch {
                    return error
                }
                return nil
            }
            scratch.relationshipTape = parsed
            if let failure { throw failure }
            w.writeRaw(out.bytes)
        default:
            throw malformed(tape, token)
        }
    }

    private func writeRelationshipObject(
        _ tape: JSONTape, _ object: Int, _ fields: FieldSet, type: String, into w: inout JSONWriter
    ) throws(MapFailure) {
        w.writeByte(UInt8(ascii: "{"))
        var written = 0
        for key in tape.memberKeys(ofObject: object) {
            let name = tape.decodeString(key)
            guard let fieldType = fields.type(of: name) else {
                let known =
                    fields.keys.isEmpty
                    ? "it has none" : "it has " + fields.keys.map { "'\($0)'" }.joined(separator: ", ")
                throw MapFailure(
                    code: .invalidField,
                    message:
                        "relationshipFields key '\(name)' is not a relationship field of object type '\(type)' "
                        + "(\(known))"
                )
            }
            if tape[key + 1].kind == .null && nulls == .skip { continue }
            if written > 0 { w.writeByte(UInt8(ascii: ",")) }
            w.writeString(name)
            w.writeByte(UInt8(ascii: ":"))
            if tape[key + 1].kind == .null {
                w.writeRaw("null")
            } else {
                try TokenValue.writeField(tape, key + 1, as: fieldType, key: key, nested: true, into: &w)
            }
            written += 1
        }
        w.writeByte(UInt8(ascii: "}"))
    }

    private func malformed(_ tape: JSONTape, _ token: Int) -> MapFailure {
        .invalidValue(
            column: ReservedColumn.relationshipFields, expected: "a JSON object (or a string holding one)",
            got: TokenValue.display(tape, token))
    }
}

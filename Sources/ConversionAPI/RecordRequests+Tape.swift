import JSONCodec

extension RecordRequests {
    /// Members of a record that are bookkeeping, not API content.
    static let bookkeeping: [[UInt8]] = ["type", "row", "key", "mergedRows", "objectType", "retried"].map {
        Array($0.utf8)
    }

    /// Writes the API item for the record at tape index 0 straight from the input bytes (no
    /// trees), and says where it goes: the record minus its bookkeeping members and nulls;
    /// `includeUserId` is a choice, docs/api.md (userId goes as a top-level contact field unless turned off).
    public static func writeItem(_ tape: JSONTape, includeUserId: Bool, into w: inout JSONWriter) throws(Failure)
        -> Endpoint
    {
        guard let type = RecordType(tape, at: 0) else { throw .invalid(RecordType.expectation) }
        try validate(tape)
        let endpoint: Endpoint
        switch type {
        case .contact:
            guard (includeUserId && has(tape, "userId")) || has(tape, "email") else {
                throw .invalid("a contact record needs 'userId' or 'email'")
            }
            endpoint = .contacts
        case .event:
            guard tape.string("event", of: 0) != nil else { throw .invalid("an event record needs 'event'") }
            endpoint = .events
        case .object:
            guard let objectType = tape.string("objectType", of: 0), !objectType.isEmpty,
                tape.string("id", of: 0) != nil
            else {
                throw .invalid("an object record needs 'objectType' and 'id'")
            }
            guard APIContract.isObjectTypeKey(objectType) else {
                throw .invalid(
                    "'objectType' \(JSONValue.string(objectType).serialized) is not an object type key "
                        + "(\(APIContract.objectTypeKeyRule))"
                )
            }
            endpoint = .objects(type: objectType)
        }
        let skipUserId = type == .contact && !includeUserId
        w.writeByte(UInt8(ascii: "{"))
        var first = true
        for key in tape.memberKeys(ofObject: 0) {
            if bookkeeping.contains(where: { name in tape.stringEquals(key, name.span) }) { continue }
            if tape[key + 1].kind == .null { continue }
            if skipUserId && tape.stringEquals(key, "userId") { continue }
            if !first { w.writeByte(UInt8(ascii: ",")) }
            first = false
            w.writeStringToken(tape, at: key)
            w.writeByte(UInt8(ascii: ":"))
            if type == .object && tape.stringEquals(key, "relationships") && tape[key + 1].kind == .array {
                writeRelationships(tape, key + 1, into: &w)
            } else {
                w.writeTapeValue(tape, at: key + 1)
            }
        }
        if type != .object && !has(tape, type == .event ? "data" : "fields") {
            if !first { w.writeByte(UInt8(ascii: ",")) }
            w.writeRaw(type == .event ? "\"data\":{}" : "\"fields\":{}")
        }
        w.writeByte(UInt8(ascii: "}"))
        return endpoint
    }

    /// What the API would refuse or misread, refused here before anything is sent: a member
    /// name twice in one object (which one counts is up to the reader), and numbers that no
    /// double can hold (sent verbatim, they are an error or infinity on the other side).
    static func validate(_ tape: JSONTape) throws(Failure) {
        if let d = tape.firstDuplicateMember() {
            throw .invalid("member '\(d.name)' appears twice in one object (members \(d.first) and \(d.second))")
        }
        for i in 0..<tape.count where tape[i].kind == .number {
            let text = String(decodingUTF8: tape.bytes(i))
            guard let value = Double(text), value.isFinite else {
                throw .invalid("number \(text) is outside the range the API accepts (a 64-bit floating-point number)")
            }
        }
    }

    /// Relationships without their dedupe `key`.
    private static func writeRelationships(_ tape: JSONTape, _ array: Int, into w: inout JSONWriter) {
        w.writeByte(UInt8(ascii: "["))
        var k = array + 1
        for e in 0..<Int(tape[array].start) {
            if e > 0 { w.writeByte(UInt8(ascii: ",")) }
            if tape[k].kind == .object {
                w.writeTapeObject(tape, at: k, droppingNulls: true, excluding: "key")
            } else {
                w.writeTapeValue(tape, at: k)
            }
            k = Int(tape[k].next)
        }
        w.writeByte(UInt8(ascii: "]"))
    }

    /// Whether the top-level member `name` is there and not null.
    static func has(_ tape: JSONTape, _ name: StaticString) -> Bool {
        tape.member(name, of: 0).map { tape[$0].kind != .null } ?? false
    }
}

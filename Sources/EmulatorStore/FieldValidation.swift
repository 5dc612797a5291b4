import ConversionAPI
import JSONCodec
import SyncCore
import TimeFormats

/// Checks a `fields` object against the schema, as Conversion answers `invalid_field` for keys
/// that do not exist and for values of the wrong type, and merges it into what is stored.
/// Null clears a field.
enum FieldValidation {
    /// A checked `fields` object of a request, and what it comes to when nothing is stored yet.
    struct Update {
        var object: Int
        /// The object without its nulls, written from the tape; nil when two members share a
        /// name (then the general merge decides, member by member).
        var intoNothing: String?
    }

    /// The `fields` object at `index` once every member is known and of the right type; nil
    /// when it is absent or null.
    static func check(_ tape: JSONTape, _ index: Int?, against fields: FieldSet, what: String) throws(APIError)
        -> Update?
    {
        guard let index, tape[index].kind != .null else { return nil }
        guard tape[index].kind == .object else { throw .invalidRequest("'\(what)' must be an object") }
        for key in tape.memberKeys(ofObject: index) {
            let name = tape.decodeString(key)
            guard let type = fields.type(of: name) else {
                throw .invalidField("field '\(name)' does not exist on \(what)")
            }
            guard tape[key + 1].kind == .null || fits(tape, key + 1, type) else {
                throw .invalidField(
                    "field '\(name)' expects \(type.rawValue), got \(tape.value(at: key + 1).typeDescription)")
            }
        }
        return Update(object: index, intoNothing: withoutNulls(tape, index))
    }

    /// With distinct names, merging into nothing is dropping the nulls: written from the tape
    /// directly, which is every new contact of a first sync.
    private static func withoutNulls(_ tape: JSONTape, _ object: Int) -> String? {
        guard tape.duplicateMember(ofObject: object) == nil else { return nil }
        var w = JSONWriter(capacity: 128)
        w.writeTapeObject(tape, at: object, droppingNulls: true)
        return w.bytes.text
    }

    static func fits(_ tape: JSONTape, _ value: Int, _ type: FieldType) -> Bool {
        switch (type, tape[value].kind) {
        case (.string, .string), (.number, .number), (.boolean, .true), (.boolean, .false): return true
        case (.date, .string):
            let s = tape.decodeString(value)
            return s.count == 10 && UTCTimestamp.rfc3339(s) != nil
        case (.datetime, .string): return UTCTimestamp.rfc3339(tape.decodeString(value)) != nil
        default: return false
        }
    }

    /// The stored fields `existing` (JSON text; nil: none yet) with `update` applied: null
    /// removes a field, and with `preserveExisting` a field that is already set keeps its value.
    /// Returns the text to store.
    static func merged(_ existing: String?, _ tape: JSONTape, _ update: Update?, preserveExisting: Bool = false)
        -> String
    {
        guard let update else { return existing ?? "{}" }
        if existing == nil || existing == "{}", let text = update.intoNothing { return text }
        let current = parse(existing)
        var changes = tape.value(at: update.object).objectValue ?? JSONObject()
        if preserveExisting { changes = JSONObject(changes.members.filter { current[$0.key] == nil }) }
        return JSONValue.object(merge(current, changes)).serialized
    }

    /// `existing` with `update`'s members applied; null removes a member.
    static func merge(_ existing: JSONObject, _ update: JSONObject) -> JSONObject {
        var result = existing
        for (key, value) in update.members { result[key] = value.isNull ? nil : value }
        return result
    }

    static func parse(_ text: String?) -> JSONObject {
        guard let text, let value = try? JSONValue.parse(text), case .object(let o) = value else { return JSONObject() }
        return o
    }
}

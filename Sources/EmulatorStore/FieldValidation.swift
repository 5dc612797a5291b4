import ConversionAPI
import JSONCodec
import Mapping
import SyncCore

/// Checks a `fields` object against the schema, as Conversion answers `invalid_field` for keys
/// that do not exist and for values of the wrong type. Null clears a field.
enum FieldValidation {
    static func check(_ value: JSONValue?, against fields: FieldSet, what: String) throws(APIError) -> JSONObject {
        guard let value, !value.isNull else { return JSONObject() }
        guard case .object(let object) = value else { throw .invalidRequest("'\(what)' must be an object") }
        for (key, v) in object.members {
            guard let type = fields.type(of: key) else {
                throw .invalidField("field '\(key)' does not exist on \(what)")
            }
            guard v.isNull || fits(v, type) else {
                throw .invalidField("field '\(key)' expects \(type.rawValue), got \(v.typeDescription)")
            }
        }
        return object
    }

    static func fits(_ value: JSONValue, _ type: FieldType) -> Bool {
        switch (type, value) {
        case (.string, .string), (.number, .number), (.boolean, .bool): return true
        case (.date, .string(let s)): return s.count == 10 && UTCTimestamp.rfc3339(s) != nil
        case (.datetime, .string(let s)): return UTCTimestamp.rfc3339(s) != nil
        default: return false
        }
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

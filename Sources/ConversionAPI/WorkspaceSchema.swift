import JSONCodec
import SyncCore
import StreamIO

/// What Conversion's workspace holds, since no endpoint lists it: contact fields, company
/// fields, custom object types with their fields and relationship fields, and optional event
/// property types. cv-map and cv-emulator read the same file.
public struct WorkspaceSchema: Sendable, Equatable {
    public struct ObjectType: Sendable, Equatable {
        public var fields: FieldSet
        public var relationshipFields: FieldSet

        public init(fields: FieldSet, relationshipFields: FieldSet) {
            self.fields = fields
            self.relationshipFields = relationshipFields
        }
    }

    public var contactFields: FieldSet
    public var companyFields: FieldSet
    public var objectTypes: [String: ObjectType]
    public var eventProperties: FieldSet

    /// Conversion's default contact fields (v1 list) and the company fields that identify a company.
    public static let builtIn = WorkspaceSchema(
        contactFields: FieldSet(
            ["first_name", "last_name", "job_title", "phone_number", "city", "country", "timezone"].map {
                ($0, .string)
            }),
        companyFields: FieldSet([("company_name", .string), ("domain", .string)]),
        objectTypes: [:],
        eventProperties: FieldSet())

    /// Reads a schema file; every problem is a configuration error naming the file and the key.
    public static func load(path: String) throws(SchemaError) -> WorkspaceSchema {
        let text: String
        do { text = try TextFile.read(path) } catch { throw .unreadable(detail: error.message) }
        let value: JSONValue
        do { value = try JSONValue.parse(text) } catch {
            throw .invalidJSON(schema: path, detail: "\(error)")
        }
        return try parse(value, name: path)
    }

    public static func parse(_ value: JSONValue, name: String) throws(SchemaError) -> WorkspaceSchema {
        guard case .object(let root) = value else {
            throw .notAnObject(schema: name)
        }
        for key in root.keys where !["contacts", "companies", "objects", "events"].contains(key) {
            throw .unknownSection(schema: name, section: key)
        }
        for (section, keys) in [("contacts", ["fields"]), ("companies", ["fields"]), ("events", ["properties"])] {
            try onlyKeys(keys, in: root[section], at: section, name: name)
        }
        // A schema file adds to Conversion's default fields (and may retype them); it never removes them.
        var schema = WorkspaceSchema.builtIn
        for (field, type) in try fieldSet(root["contacts"], key: "fields", at: "contacts", name: name).members {
            schema.contactFields.add(field, type)
        }
        for (field, type) in try fieldSet(root["companies"], key: "fields", at: "companies", name: name).members {
            schema.companyFields.add(field, type)
        }
        schema.eventProperties = try fieldSet(root["events"], key: "properties", at: "events", name: name)
        if let objects = root["objects"] {
            guard case .object(let types) = objects else {
                throw .wrongShape(schema: name, at: "objects", expected: "an object of object types")
            }
            for (type, body) in types.members {
                guard APIContract.isObjectTypeKey(type) else {
                    throw .invalidObjectTypeKey(schema: name, type: type)
                }
                try onlyKeys(["fields", "relationshipFields"], in: body, at: "objects.\(type)", name: name)
                schema.objectTypes[type] = try objectType(body, at: "objects.\(type)", name: name)
            }
        }
        return schema
    }

    /// One object type's body, `{"fields":{…},"relationshipFields":{…}}`.
    public static func objectType(_ body: JSONValue, at path: String, name: String) throws(SchemaError)
        -> ObjectType
    {
        ObjectType(
            fields: try fieldSet(body, key: "fields", at: path, name: name),
            relationshipFields: try fieldSet(body, key: "relationshipFields", at: path, name: name))
    }

    private static func onlyKeys(_ keys: [String], in section: JSONValue?, at path: String, name: String)
        throws(SchemaError)
    {
        guard case .object(let body)? = section else { return }
        if let key = body.keys.first(where: { !keys.contains($0) }) {
            throw .unknownKey(schema: name, at: path, key: key, expected: keys)
        }
    }

    private static func fieldSet(_ section: JSONValue?, key: String, at path: String, name: String)
        throws(SchemaError) -> FieldSet
    {
        guard let section else { return FieldSet() }
        guard case .object(let body) = section else {
            throw .wrongShape(schema: name, at: path, expected: "an object")
        }
        guard let fields = body[key] else { return FieldSet() }
        guard case .object(let members) = fields else {
            throw .wrongShape(schema: name, at: "\(path).\(key)", expected: "an object of field: type")
        }
        var set = FieldSet()
        for (field, typeValue) in members.members {
            guard let text = typeValue.stringValue, let type = FieldType(rawValue: text) else {
                throw .unknownFieldType(schema: name, at: "\(path).\(key).\(field)", got: typeValue.serialized)
            }
            set.add(field, type)
        }
        return set
    }
}

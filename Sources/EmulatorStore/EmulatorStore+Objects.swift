import ConversionAPI
import JSONCodec
import SyncCore
import Mapping

extension EmulatorStore {
    /// Upserts one object of `type` with its relationships (docs/api.md). A relationship to an
    /// unknown contact creates that contact with just its identifier.
    func upsertObject(type: String, _ value: JSONValue) throws -> JSONObject {
        guard let objectType = schema.objectTypes[type] else { throw APIError.objectTypeNotFound("object type '\(type)' does not exist") }
        guard case .object(let item) = value else { throw APIError.invalidRequest("an object must be a JSON object") }
        guard let id = try Self.optionalString(item, "id") else { throw APIError.missingIdentifier("an object needs 'id'") }
        let fields = try FieldValidation.check(item["fields"], against: objectType.fields, what: "object type '\(type)'")
        var relationships: [(JSONObject, JSONObject)] = []
        if let list = item["relationships"], !list.isNull {
            guard case .array(let items) = list else { throw APIError.invalidRequest("'relationships' must be an array") }
            for case let r in items {
                guard case .object(let relationship) = r else { throw APIError.invalidRequest("a relationship must be an object") }
                let relFields = try FieldValidation.check(relationship["fields"], against: objectType.relationshipFields,
                                                          what: "relationships of '\(type)'")
                relationships.append((relationship, relFields))
            }
        }
        let find = try database.cached("SELECT cnv_id, fields FROM objects WHERE type = ? AND id = ?")
        find.bind(1, text: type); find.bind(2, text: id)
        let created = try !find.step()
        let cnvId = created ? Self.newID() : find.text(0)!
        let merged = FieldValidation.merge(created ? JSONObject() : FieldValidation.parse(find.text(1)), fields)
        let save = try database.cached("INSERT OR REPLACE INTO objects (type, id, cnv_id, fields) VALUES (?, ?, ?, ?)")
        save.bind(1, text: type); save.bind(2, text: id); save.bind(3, text: cnvId); save.bind(4, text: JSONValue.object(merged).serialized)
        try save.step()
        var results: [JSONValue] = []
        for (relationship, relFields) in relationships {
            do {
                results.append(.object(try relate(type: type, objectId: id, relationship, relFields)))
            } catch let error as APIError {
                results.append(error.itemResult)
            }
        }
        return ["success": .bool(true), "cnvObjectId": .string(cnvId), "objectCreated": .bool(created), "relationships": .array(results)]
    }

    private func relate(type: String, objectId: String, _ relationship: JSONObject, _ fields: JSONObject) throws -> JSONObject {
        let userId = try Self.optionalString(relationship, "userId")
        let email = try Self.optionalString(relationship, "email")
        guard userId != nil || email != nil else { throw APIError.missingIdentifier("a relationship needs 'userId' or 'email'") }
        if let email, !EmailSyntax.isValid(EmailKey.normalized(email)) { throw APIError.invalidEmail("'\(email)' is not a valid email address") }
        var contact = try resolveContact(cnvId: nil, userId: userId, email: email)
        let created = contact == nil
        if created {
            let new = ContactRow(id: Self.newID(), userId: userId, email: email, subscription: nil, fields: JSONObject(), companyId: nil)
            try save(new, created: true)
            contact = new
        }
        let find = try database.cached("SELECT fields FROM relationships WHERE type = ? AND object_id = ? AND contact_id = ?")
        find.bind(1, text: type); find.bind(2, text: objectId); find.bind(3, text: contact!.id)
        let existing = try find.step() ? FieldValidation.parse(find.text(0)) : JSONObject()
        let s = try database.cached("INSERT OR REPLACE INTO relationships (type, object_id, contact_id, fields) VALUES (?, ?, ?, ?)")
        s.bind(1, text: type); s.bind(2, text: objectId); s.bind(3, text: contact!.id)
        s.bind(4, text: JSONValue.object(FieldValidation.merge(existing, fields)).serialized)
        try s.step()
        return ["success": .bool(true), "cnvContactId": .string(contact!.id), "contactCreated": .bool(created)]
    }
}

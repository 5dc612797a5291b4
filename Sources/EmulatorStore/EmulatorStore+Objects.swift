import ConversionAPI
import JSONCodec

extension EmulatorStore {
    /// Upserts the object item at `item` of `type` with its relationships (docs/api.md). A
    /// relationship to an unknown contact creates that contact with just its identifier.
    func upsertObject(type: String, _ tape: JSONTape, _ item: Int) throws -> ItemResult {
        guard let objectType = schema.objectTypes[type] else {
            throw APIError.objectTypeNotFound("object type '\(type)' does not exist")
        }
        guard tape[item].kind == .object else { throw APIError.invalidRequest("an object must be a JSON object") }
        guard let id = try Self.optionalString(tape, item, "id") else {
            throw APIError.missingIdentifier("an object needs 'id'")
        }
        let fields = try FieldValidation.check(
            tape, tape.member("fields", of: item), against: objectType.fields, what: "object type '\(type)'")
        var relationships: [(item: Int, fields: FieldValidation.Update?)] = []
        if let list = tape.member("relationships", of: item), tape[list].kind != .null {
            guard tape[list].kind == .array else { throw APIError.invalidRequest("'relationships' must be an array") }
            for r in tape.elements(ofArray: list) {
                guard tape[r].kind == .object else { throw APIError.invalidRequest("a relationship must be an object") }
                let relFields = try FieldValidation.check(
                    tape, tape.member("fields", of: r), against: objectType.relationshipFields,
                    what: "relationships of '\(type)'")
                relationships.append((r, relFields))
            }
        }
        let find = try database.cached("SELECT cnv_id, fields FROM objects WHERE type = ? AND id = ?")
        find.bind(1, text: type)
        find.bind(2, text: id)
        let created = try !find.step()
        let cnvId = created ? Self.newID() : find.text(0)!
        let merged = FieldValidation.merged(created ? nil : find.text(1), tape, fields)
        let save = try database.cached("INSERT OR REPLACE INTO objects (type, id, cnv_id, fields) VALUES (?, ?, ?, ?)")
        save.bind(1, text: type)
        save.bind(2, text: id)
        save.bind(3, text: cnvId)
        save.bind(4, text: merged)
        try save.step()
        var results: [JSONValue] = []
        for relationship in relationships {
            do {
                results.append(
                    .object(try relate(type: type, objectId: id, tape, relationship.item, relationship.fields)))
            } catch let error as APIError {
                results.append(error.itemResult)
            }
        }
        return .object([
            "success": .bool(true), "cnvObjectId": .string(cnvId), "objectCreated": .bool(created),
            "relationships": .array(results),
        ])
    }

    private func relate(
        type: String, objectId: String, _ tape: JSONTape, _ item: Int, _ fields: FieldValidation.Update?
    ) throws -> JSONObject {
        let userId = try Self.optionalString(tape, item, "userId")
        let emailText = try Self.optionalString(tape, item, "email")
        guard userId != nil || emailText != nil else {
            throw APIError.missingIdentifier("a relationship needs 'userId' or 'email'")
        }
        let email = try ContactEmail(emailText)
        var contact = try resolveContact(cnvId: nil, userId: userId, email: email)
        let created = contact == nil
        if created {
            var new = try newContact()
            new.userId = userId
            new.email = email?.text
            new.emailKey = email?.key
            try save(new, replacing: nil)
            contact = new
        }
        let find = try database.cached(
            "SELECT fields FROM relationships WHERE type = ? AND object_id = ? AND contact_id = ?")
        find.bind(1, text: type)
        find.bind(2, text: objectId)
        find.bind(3, text: contact!.id)
        let existing = try find.step() ? find.text(0) : nil
        let s = try database.cached(
            "INSERT OR REPLACE INTO relationships (type, object_id, contact_id, fields) VALUES (?, ?, ?, ?)")
        s.bind(1, text: type)
        s.bind(2, text: objectId)
        s.bind(3, text: contact!.id)
        s.bind(4, text: FieldValidation.merged(existing, tape, fields))
        try s.step()
        return ["success": .bool(true), "cnvContactId": .string(contact!.id), "contactCreated": .bool(created)]
    }
}

import ConversionAPI
import JSONCodec
import SyncCore
import Mapping
import SQLiteDatabase

/// A stored contact.
struct ContactRow {
    var id: String
    var userId: String?
    var email: String?
    var subscription: String?
    var fields: JSONObject
    var companyId: String?
}

extension EmulatorStore {
    func contact(where column: String, is value: String) throws -> ContactRow? {
        let s = try database.cached("SELECT id, user_id, email, subscription, fields, company_id FROM contacts WHERE \(column) = ?")
        s.bind(1, text: value)
        guard try s.step() else { return nil }
        return ContactRow(id: s.text(0)!, userId: s.text(1), email: s.text(2), subscription: s.text(3),
                          fields: FieldValidation.parse(s.text(4)), companyId: s.text(5))
    }

    func save(_ c: ContactRow, created: Bool) throws {
        let sql = created
            ? "INSERT INTO contacts (id, user_id, email, email_key, subscription, fields, company_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)"
            : "UPDATE contacts SET user_id = ?2, email = ?3, email_key = ?4, subscription = ?5, fields = ?6, company_id = ?7, updated_at = ?8 WHERE id = ?1"
        let s = try database.cached(sql)
        s.bind(1, text: c.id)
        if let u = c.userId { s.bind(2, text: u) }
        if let e = c.email { s.bind(3, text: e); s.bind(4, text: EmailKey.normalized(e)) }
        if let sub = c.subscription { s.bind(5, text: sub) }
        s.bind(6, text: JSONValue.object(c.fields).serialized)
        if let company = c.companyId { s.bind(7, text: company) }
        s.bind(8, text: Self.now())
        try s.step()
    }

    /// Upserts one contact item (POST /v2/contacts, or one element of a batch). Runs inside `write`.
    func upsertContact(_ value: JSONValue, updateOnly: Bool, preserveExisting: Bool) throws -> JSONObject {
        guard case .object(let item) = value else { throw APIError.invalidRequest("a contact must be a JSON object") }
        let email = try Self.optionalString(item, "email")
        let userId = try Self.optionalString(item, "userId")
        let cnvId = try Self.optionalString(item, "cnvContactId")
        guard email != nil || userId != nil || cnvId != nil else {
            throw APIError.missingIdentifier("a contact needs 'email', 'userId' or 'cnvContactId'")
        }
        if let email, !EmailSyntax.isValid(EmailKey.normalized(email)) { throw APIError.invalidEmail("'\(email)' is not a valid email address") }
        let status = try Self.optionalString(item, "subscriptionStatus")
        if let status, !APIContract.subscriptionStatuses.contains(status) {
            throw APIError.invalidSubscription("subscriptionStatus must be one of \(APIContract.subscriptionStatuses.joined(separator: ", "))")
        }
        let fields = try FieldValidation.check(item["fields"], against: schema.contactFields, what: "contacts")
        let companyFields = try FieldValidation.check(item["companyFields"], against: schema.companyFields, what: "companies")

        var existing = try resolveContact(cnvId: cnvId, userId: userId, email: email)
        let created = existing == nil
        if created {
            guard !updateOnly else { throw APIError.contactNotFound("no such contact and updateOnly is set") }
            guard email != nil else {
                throw APIError.contactNotFound("no contact with userId '\(userId ?? cnvId ?? "")'; creating a contact needs an email")
            }
            existing = ContactRow(id: Self.newID(), userId: nil, email: nil, subscription: nil, fields: JSONObject(), companyId: nil)
        }
        var contact = existing!
        if let userId { contact.userId = userId }
        if let email { contact.email = email }
        if let status { contact.subscription = status }
        let update = preserveExisting ? JSONObject(fields.members.filter { contact.fields[$0.key] == nil }) : fields
        contact.fields = FieldValidation.merge(contact.fields, update)
        if !companyFields.isEmpty { contact.companyId = try upsertCompany(contact.companyId, companyFields) }
        try save(contact, created: created)
        return ["success": .bool(true), "cnvContactId": .string(contact.id), "contactCreated": .bool(created)]
    }

    /// userId first, then email (docs/api.md); an email match that carries another userId conflicts.
    func resolveContact(cnvId: String?, userId: String?, email: String?) throws -> ContactRow? {
        if let cnvId {
            guard let found = try contact(where: "id", is: cnvId) else { throw APIError.contactNotFound("no contact with cnvContactId '\(cnvId)'") }
            return found
        }
        guard let found = try resolveContactID(userId: userId, email: email) else { return nil }
        return try contact(where: "id", is: found.id)
    }

    /// The resolution itself, reading only the ids (all that tracking an event needs).
    func resolveContactID(userId: String?, email: String?) throws -> (id: String, userId: String?)? {
        if let userId {
            let s = try database.cached("SELECT id FROM contacts WHERE user_id = ?")
            s.bind(1, text: userId)
            if try s.step(), let id = s.text(0) { return (id, userId) }
        }
        guard let email else { return nil }
        let s = try database.cached("SELECT id, user_id FROM contacts WHERE email_key = ?")
        s.bind(1, text: EmailKey.normalized(email))
        guard try s.step(), let id = s.text(0) else { return nil }
        let other = s.text(1)
        if let userId, let other, other != userId {
            throw APIError.conflictingIdentifier("email '\(email)' belongs to a contact with another userId")
        }
        return (id, other)
    }

    /// Every contact belongs to one company: update it, or find one by domain, else by name, else create.
    func upsertCompany(_ current: String?, _ fields: JSONObject) throws -> String {
        var id = current
        if id == nil, let domain = fields["domain"]?.stringValue { id = try companyID(where: "domain_key", is: domain.lowercased()) }
        if id == nil, let name = fields["company_name"]?.stringValue { id = try companyID(where: "name_key", is: name.lowercased()) }
        let companyId = id ?? Self.newID()
        var merged = JSONObject()
        if id != nil {
            let s = try database.cached("SELECT fields FROM companies WHERE id = ?")
            s.bind(1, text: companyId)
            if try s.step() { merged = FieldValidation.parse(s.text(0)) }
        }
        merged = FieldValidation.merge(merged, fields)
        let s = try database.cached("INSERT OR REPLACE INTO companies (id, fields, domain_key, name_key) VALUES (?, ?, ?, ?)")
        s.bind(1, text: companyId)
        s.bind(2, text: JSONValue.object(merged).serialized)
        if let d = merged["domain"]?.stringValue { s.bind(3, text: d.lowercased()) }
        if let n = merged["company_name"]?.stringValue { s.bind(4, text: n.lowercased()) }
        try s.step()
        return companyId
    }

    func companyID(where column: String, is value: String) throws -> String? {
        let s = try database.cached("SELECT id FROM companies WHERE \(column) = ?")
        s.bind(1, text: value)
        return try s.step() ? s.text(0) : nil
    }

    static func optionalString(_ item: JSONObject, _ name: String) throws -> String? {
        switch item[name] {
        case nil, .null?: return nil
        case .string(let s)?: return s.isEmpty ? nil : s
        case let other?: throw APIError.invalidRequest("'\(name)' must be a string, got \(other.typeDescription)")
        }
    }
}

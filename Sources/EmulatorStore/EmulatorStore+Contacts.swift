import ConversionAPI
import JSONCodec
import SQLiteDatabase

/// A stored contact; `fields` is the stored JSON text, parsed only when an update must be merged in.
struct ContactRow {
    var id: String
    var userId: String?
    var email: String?
    var emailKey: String?
    var subscription: String?
    var fields: String?
    var companyId: String?
}

/// An email as given and the key contacts are matched by.
struct ContactEmail {
    var text: String
    var key: String

    /// Nil when `text` is; throws `invalid_email` when the address is not one.
    init?(_ text: String?) throws(APIError) {
        guard let text else { return nil }
        self.text = text
        key = EmailKey.normalized(text)
        guard EmailSyntax.isValid(key) else { throw .invalidEmail("'\(text)' is not a valid email address") }
    }
}

/// A contact item checked against the request rules and the schema: everything that does not
/// need the store, done before its lock is taken.
struct ContactItem {
    var userId: String?
    var email: ContactEmail?
    var cnvId: String?
    var status: String?
    var fields: FieldValidation.Update?
    /// Only when it has members.
    var companyFields: JSONObject?

    init(_ tape: JSONTape, _ item: Int, schema: WorkspaceSchema) throws {
        guard tape[item].kind == .object else { throw APIError.invalidRequest("a contact must be a JSON object") }
        let emailText = try EmulatorStore.optionalString(tape, item, "email")
        userId = try EmulatorStore.optionalString(tape, item, "userId")
        cnvId = try EmulatorStore.optionalString(tape, item, "cnvContactId")
        guard emailText != nil || userId != nil || cnvId != nil else {
            throw APIError.missingIdentifier("a contact needs 'email', 'userId' or 'cnvContactId'")
        }
        email = try ContactEmail(emailText)
        status = try EmulatorStore.optionalString(tape, item, "subscriptionStatus")
        if let status, !APIContract.subscriptionStatuses.contains(status) {
            throw APIError.invalidSubscription(
                "subscriptionStatus must be one of \(APIContract.subscriptionStatuses.joined(separator: ", "))")
        }
        fields = try FieldValidation.check(
            tape, tape.member("fields", of: item), against: schema.contactFields, what: "contacts")
        let company = try FieldValidation.check(
            tape, tape.member("companyFields", of: item), against: schema.companyFields,
            what: "companies")
        if let company, tape[company.object].start > 0 { companyFields = tape.value(at: company.object).objectValue }
    }
}

extension EmulatorStore {
    func contact(id: String) throws -> ContactRow? {
        let s = try database.cached(
            "SELECT id, user_id, email, email_key, subscription, fields, company_id FROM contacts WHERE id = ?")
        s.bind(1, text: id)
        guard try s.step() else { return nil }
        return ContactRow(
            id: s.text(0)!, userId: s.text(1), email: s.text(2), emailKey: s.text(3), subscription: s.text(4),
            fields: s.text(5), companyId: s.text(6))
    }

    /// Writes `c`, a new contact when `before` is nil, else over `before`, its row as read.
    func save(_ c: ContactRow, replacing before: ContactRow?) throws {
        let sql: StaticString =
            before == nil
            ? """
            INSERT INTO contacts (id, user_id, email, email_key, subscription, fields, company_id, created_at,
            updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
            """
            : """
            UPDATE contacts SET user_id = ?2, email = ?3, email_key = ?4, subscription = ?5, fields = ?6,
            company_id = ?7, updated_at = ?8 WHERE id = ?1
            """
        let s = try database.cached(sql)
        s.bind(1, text: c.id)
        if let u = c.userId { s.bind(2, text: u) }
        if let e = c.email { s.bind(3, text: e) }
        if let key = c.storedEmailKey { s.bind(4, text: key) }
        if let sub = c.subscription { s.bind(5, text: sub) }
        s.bind(6, text: c.fields ?? "{}")
        if let company = c.companyId { s.bind(7, text: company) }
        s.bind(8, text: transactionTime)
        try s.step()
        try noteIdentifiers(of: c, replacing: before)
    }

    /// Tells the identifier filter what the row now holds. If the transaction rolls back, the
    /// filter keeps identifiers no row holds: false positives only, never a miss.
    private func noteIdentifiers(of c: ContactRow, replacing before: ContactRow?) throws {
        if let userId = c.userId, userId != before?.userId { identifiers.add(userId: userId) }
        if let key = c.storedEmailKey, key != before?.storedEmailKey { identifiers.add(emailKey: key) }
        // Rebuilt from the rows as this transaction sees them, its own writes included.
        if identifiers.outgrown { identifiers = try IdentifierFilter(database, limit: identifierLimit) }
    }

    /// Upserts one checked contact item (POST /v2/contacts, or one element of a batch). Runs inside `write`.
    func upsertContact(_ item: ContactItem, _ tape: JSONTape, updateOnly: Bool, preserveExisting: Bool) throws
        -> ItemResult
    {
        let existing = try resolveContact(cnvId: item.cnvId, userId: item.userId, email: item.email)
        if existing == nil {
            guard !updateOnly else { throw APIError.contactNotFound("no such contact and updateOnly is set") }
            guard item.email != nil else {
                throw APIError.contactNotFound(
                    "no contact with userId '\(item.userId ?? item.cnvId ?? "")'; creating a contact needs an email")
            }
        }
        var contact = existing ?? ContactRow(id: Self.newID())
        if let userId = item.userId { contact.userId = userId }
        if let email = item.email {
            contact.email = email.text
            contact.emailKey = email.key
        }
        if let status = item.status { contact.subscription = status }
        contact.fields = FieldValidation.merged(contact.fields, tape, item.fields, preserveExisting: preserveExisting)
        if let update = item.companyFields { contact.companyId = try upsertCompany(contact.companyId, update) }
        try save(contact, replacing: existing)
        return .contact(id: contact.id, created: existing == nil)
    }

    /// userId first, then email (docs/api.md); an email match that carries another userId conflicts.
    func resolveContact(cnvId: String?, userId: String?, email: ContactEmail?) throws -> ContactRow? {
        if let cnvId {
            guard let found = try contact(id: cnvId) else {
                throw APIError.contactNotFound("no contact with cnvContactId '\(cnvId)'")
            }
            // The userId it would take must not be another contact's (nothing but this check
            // keeps userIds unique: the index that finds them carries the id, so it is not UNIQUE).
            if let userId, userId != found.userId, let other = try resolveContactID(userId: userId, email: nil),
                other.id != found.id
            {
                throw APIError.conflictingIdentifier("userId '\(userId)' belongs to another contact")
            }
            return found
        }
        guard let found = try resolveContactID(userId: userId, email: email) else { return nil }
        return try contact(id: found.id)
    }

    /// The resolution itself, reading only the ids (all that tracking an event needs). Of
    /// contacts that share an email, the oldest is the one found.
    func resolveContactID(userId: String?, email: ContactEmail?) throws -> (id: String, userId: String?)? {
        if let userId, identifiers.mayHold(userId: userId) {
            let s = try database.cached("SELECT id FROM contacts WHERE user_id = ?")
            s.bind(1, text: userId)
            if try s.step(), let id = s.text(0) { return (id, userId) }
        }
        guard let email, identifiers.mayHold(emailKey: email.key) else { return nil }
        let s = try database.cached("SELECT id, user_id FROM contacts WHERE email_key = ? ORDER BY seq LIMIT 1")
        s.bind(1, text: email.key)
        guard try s.step(), let id = s.text(0) else { return nil }
        let other = s.text(1)
        if let userId, let other, other != userId {
            throw APIError.conflictingIdentifier("email '\(email.text)' belongs to a contact with another userId")
        }
        return (id, other)
    }

    /// Every contact belongs to one company: update it, or find one by domain, else by name, else create.
    func upsertCompany(_ current: String?, _ fields: JSONObject) throws -> String {
        var id = current
        if id == nil, let domain = fields["domain"]?.stringValue {
            id = try companyID("SELECT id FROM companies WHERE domain_key = ?", domain.lowercased())
        }
        if id == nil, let name = fields["company_name"]?.stringValue {
            id = try companyID("SELECT id FROM companies WHERE name_key = ?", name.lowercased())
        }
        let companyId = id ?? Self.newID()
        var merged = JSONObject()
        if id != nil {
            let s = try database.cached("SELECT fields FROM companies WHERE id = ?")
            s.bind(1, text: companyId)
            if try s.step() { merged = FieldValidation.parse(s.text(0)) }
        }
        merged = FieldValidation.merge(merged, fields)
        let s = try database.cached(
            "INSERT OR REPLACE INTO companies (id, fields, domain_key, name_key) VALUES (?, ?, ?, ?)")
        s.bind(1, text: companyId)
        s.bind(2, text: JSONValue.object(merged).serialized)
        if let d = merged["domain"]?.stringValue { s.bind(3, text: d.lowercased()) }
        if let n = merged["company_name"]?.stringValue { s.bind(4, text: n.lowercased()) }
        try s.step()
        return companyId
    }

    func companyID(_ query: StaticString, _ value: String) throws -> String? {
        let s = try database.cached(query)
        s.bind(1, text: value)
        return try s.step() ? s.text(0) : nil
    }
}

extension ContactRow {
    /// The key the row's email is matched by (none without an email).
    var storedEmailKey: String? { email.map { emailKey ?? EmailKey.normalized($0) } }

    /// A new contact with nothing set yet.
    init(id: String) {
        self.init(id: id, userId: nil, email: nil, emailKey: nil, subscription: nil, fields: nil, companyId: nil)
    }
}

import Hashing
import ConversionAPI
import JSONCodec
import SQLiteDatabase
import StreamIO
import SyncCore

/// A stored contact; `fields` is the stored JSON text, parsed only when an update must be merged in.
struct ContactRow {
    /// Its key: the first 64 bits of `id`, or for a contact made by an earlier format its number.
    var seq: Int64
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
    /// The contact whose cnvContactId is `id`: found by the key the id gives, else (a contact
    /// made by an earlier format) through the index of those ids.
    func contact(id: String) throws -> ContactRow? {
        if let word = RandomUUID.leadingWord(of: id), let key = Int64(exactly: word), key >= Self.legacyKeyLimit,
            Self.contactID(key: key) == id
        {
            return try contact(seq: key)
        }
        // The bound is `legacyKeyLimit` written out: SQLite uses a partial index only for a
        // query whose WHERE has the index's own term, literal for literal.
        let s = try database.cached(
            """
            SELECT seq, id, user_id, email, email_key, subscription, fields, company_id FROM contacts
            WHERE id = ? AND seq < 281474976710656
            """)
        s.bind(1, text: id)
        return try s.step() ? Self.contactRow(s) : nil
    }

    /// The id of the contact with key `key` (made by this format): the key, then 64 bits that
    /// look random and are the key's alone (SplitMix64 is a bijection).
    static func contactID(key: Int64) -> String {
        var mix = SplitMix64(seed: UInt64(key))
        return RandomUUID.format(hi: UInt64(key), lo: mix.next())
    }

    /// The id of the contact with key `seq`, read from its row only for one made by an earlier format.
    func contactID(seq: Int64) throws -> String? {
        if seq >= Self.legacyKeyLimit { return Self.contactID(key: seq) }
        let s = try database.cached("SELECT id FROM contacts WHERE seq = ?")
        s.bind(1, int: seq)
        return try s.step() ? s.text(0) : nil
    }

    func contact(seq: Int64) throws -> ContactRow? {
        let s = try database.cached(
            "SELECT seq, id, user_id, email, email_key, subscription, fields, company_id FROM contacts WHERE seq = ?")
        s.bind(1, int: seq)
        return try s.step() ? Self.contactRow(s) : nil
    }

    private static func contactRow(_ s: Statement) -> ContactRow {
        ContactRow(
            seq: s.int(0), id: s.text(1)!, userId: s.text(2), email: s.text(3), emailKey: s.text(4),
            subscription: s.text(5), fields: s.text(6), companyId: s.text(7))
    }

    /// A contact not yet saved, with a key above every other contact's and the id it comes from.
    func newContact() throws -> ContactRow {
        if !contactKeyKnown {
            let s = try database.cached("SELECT max(seq) FROM contacts")
            _ = try s.step()
            lastContactKey = max(lastContactKey, UInt64(max(s.int(0), Self.legacyKeyLimit)))
            s.reset()
            contactKeyKnown = true
        }
        lastContactKey = RandomUUID.timeOrderedWord(after: lastContactKey)
        let key = Int64(lastContactKey)
        return ContactRow(seq: key, id: Self.contactID(key: key))
    }

    /// Writes `c`, a new contact when `before` is nil, else over `before`, its row as read.
    func save(_ c: ContactRow, replacing before: ContactRow?) throws {
        let sql: StaticString =
            before == nil
            ? """
            INSERT INTO contacts (seq, id, user_id, email, email_key, subscription, fields, company_id, created_at,
            updated_at) VALUES (?9, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
            """
            : """
            UPDATE contacts SET user_id = ?2, email = ?3, email_key = ?4, subscription = ?5, fields = ?6,
            company_id = ?7, updated_at = ?8 WHERE seq = ?9
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
        s.bind(9, int: c.seq)
        try s.step()
        noteIdentifiers(of: c, replacing: before)
    }

    /// Tells the identifier filter what the row now holds. If the transaction rolls back, the
    /// filter keeps identifiers no row holds: false positives only, never a miss.
    private func noteIdentifiers(of c: ContactRow, replacing before: ContactRow?) {
        if let userId = c.userId, userId != before?.userId { identifiers.add(userId: userId) }
        if let key = c.storedEmailKey, key != before?.storedEmailKey { identifiers.add(emailKey: key) }
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
        var contact = try existing ?? newContact()
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
            // keeps userIds unique: the index that finds them is not UNIQUE, so that a clash is
            // this answer rather than a SQLite constraint error).
            if let userId, userId != found.userId, let other = try resolveContactID(userId: userId, email: nil),
                other.id != found.id
            {
                throw APIError.conflictingIdentifier("userId '\(userId)' belongs to another contact")
            }
            return found
        }
        guard let found = try resolveContactID(userId: userId, email: email) else { return nil }
        return try contact(seq: found.seq)
    }

    /// The resolution itself, reading only the ids (all that tracking an event needs). Of
    /// contacts that share an email, the oldest is the one found.
    func resolveContactID(userId: String?, email: ContactEmail?) throws -> (id: String, seq: Int64)? {
        if let userId, identifiers.mayHold(userId: userId) {
            // The index alone answers: it holds the key, and the key gives the id.
            let s = try database.cached("SELECT seq FROM contacts WHERE user_id = ?")
            s.bind(1, text: userId)
            if try s.step() {
                let seq = s.int(0)
                s.reset()
                if let id = try contactID(seq: seq) { return (id, seq) }
            }
        }
        guard let email, identifiers.mayHold(emailKey: email.key) else { return nil }
        let s = try database.cached("SELECT user_id, seq FROM contacts WHERE email_key = ? ORDER BY seq LIMIT 1")
        s.bind(1, text: email.key)
        guard try s.step() else { return nil }
        let other = s.text(0)
        let seq = s.int(1)
        s.reset()
        if let userId, let other, other != userId {
            throw APIError.conflictingIdentifier("email '\(email.text)' belongs to a contact with another userId")
        }
        guard let id = try contactID(seq: seq) else { return nil }
        return (id, seq)
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
    init(seq: Int64, id: String) {
        self.init(
            seq: seq, id: id, userId: nil, email: nil, emailKey: nil, subscription: nil, fields: nil, companyId: nil)
    }
}

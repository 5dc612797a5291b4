import JSONCodec
import SQLiteDatabase

extension EmulatorStore {
    /// Everything stored of one kind, for tests and users (GET /_emulator/…).
    public func contacts() throws -> JSONValue {
        // In creation order: seq, since created_at's fraction has no fixed width ("…33.01Z"
        // sorts after "…33.019Z" as text).
        try read {
            let s = try database.cached(
                """
                SELECT c.id, c.user_id, c.email, c.subscription, c.fields, c.company_id, co.fields, c.created_at,
                  c.updated_at
                FROM contacts c LEFT JOIN companies co ON co.id = c.company_id ORDER BY c.seq
                """)
            var out: [JSONValue] = []
            while try s.step() {
                var o: JSONObject = ["cnvContactId": .string(s.text(0)!)]
                o["userId"] = s.text(1).map(JSONValue.string) ?? .null
                o["email"] = s.text(2).map(JSONValue.string) ?? .null
                o["subscriptionStatus"] = s.text(3).map(JSONValue.string) ?? .null
                o["fields"] = .object(FieldValidation.parse(s.text(4)))
                o["companyId"] = s.text(5).map(JSONValue.string) ?? .null
                o["company"] = s.text(6).map { .object(FieldValidation.parse($0)) } ?? .null
                o["createdAt"] = .string(s.text(7)!)
                o["updatedAt"] = .string(s.text(8)!)
                out.append(.object(o))
            }
            return .array(out)
        }
    }

    public func events() throws -> JSONValue {
        try read {
            let s = try database.cached(
                """
                SELECT id, event_id, contact_id, name, timestamp, data, updates FROM events ORDER BY seq
                """)
            var out: [JSONValue] = []
            while try s.step() {
                var o: JSONObject = ["cnvEventId": .string(s.text(0)!)]
                o["eventId"] = s.text(1).map(JSONValue.string) ?? .null
                o["cnvContactId"] = .string(s.text(2)!)
                try addIdentifiers(ofContact: s.text(2)!, to: &o)
                o["event"] = .string(s.text(3)!)
                o["timestamp"] = .string(s.text(4)!)
                o["data"] = (try? JSONValue.parse(s.text(5) ?? "{}")) ?? .object([:])
                o["updates"] = .number(String(s.int(6)))
                out.append(.object(o))
            }
            return .array(out)
        }
    }

    public func objects(type: String) throws -> JSONValue {
        try read {
            let s = try database.cached("SELECT id, cnv_id, fields FROM objects WHERE type = ? ORDER BY rowid")
            s.bind(1, text: type)
            let r = try database.cached(
                "SELECT contact_id, fields FROM relationships WHERE type = ? AND object_id = ? ORDER BY rowid")
            var out: [JSONValue] = []
            while try s.step() {
                let id = s.text(0)!
                r.reset()
                r.bind(1, text: type)
                r.bind(2, text: id)
                var relationships: [JSONValue] = []
                while try r.step() {
                    var o: JSONObject = ["cnvContactId": .string(r.text(0)!)]
                    try addIdentifiers(ofContact: r.text(0)!, to: &o)
                    o["fields"] = .object(FieldValidation.parse(r.text(1)))
                    relationships.append(.object(o))
                }
                out.append(
                    .object([
                        "id": .string(id), "cnvObjectId": .string(s.text(1)!),
                        "fields": .object(FieldValidation.parse(s.text(2))),
                        "relationships": .array(relationships),
                    ]))
            }
            return .array(out)
        }
    }

    /// The contact's userId and email (null when it has none, or is gone). Looked up one by one:
    /// a contact's id has no index to join on (its key is found from the id itself).
    private func addIdentifiers(ofContact id: String, to o: inout JSONObject) throws {
        let c = try contact(id: id)
        o["userId"] = c?.userId.map(JSONValue.string) ?? .null
        o["email"] = c?.email.map(JSONValue.string) ?? .null
    }

    public func requests() throws -> JSONValue {
        try read {
            let s = try database.cached("SELECT seq, at, method, path, status, items, note FROM requests ORDER BY seq")
            var out: [JSONValue] = []
            while try s.step() {
                var o: JSONObject = [
                    "seq": .number(String(s.int(0))), "at": .string(s.text(1)!), "method": .string(s.text(2)!),
                    "path": .string(s.text(3)!), "status": .number(String(s.int(4))),
                    "items": .number(String(s.int(5))),
                ]
                if let note = s.text(6) { o["note"] = .string(note) }
                out.append(.object(o))
            }
            return .array(out)
        }
    }
}

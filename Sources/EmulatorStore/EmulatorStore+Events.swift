import ConversionAPI
import JSONCodec
import Mapping
import SyncCore

extension EmulatorStore {
    /// Tracks one event item. Resolution: userId first, then email; an email-matched contact
    /// with another userId conflicts; tracking never creates contacts. An existing eventId is
    /// updated in place, never stored twice.
    func trackEvent(_ value: JSONValue) throws -> JSONObject {
        guard case .object(let item) = value else { throw APIError.invalidRequest("an event must be a JSON object") }
        guard let name = try Self.optionalString(item, "event") else { throw APIError.invalidRequest("an event needs 'event', its name") }
        let userId = try Self.optionalString(item, "userId")
        let email = try Self.optionalString(item, "email")
        guard userId != nil || email != nil else { throw APIError.missingIdentifier("an event needs 'userId' or 'email'") }
        if let email, !EmailSyntax.isValid(EmailKey.normalized(email)) { throw APIError.invalidEmail("'\(email)' is not a valid email address") }
        let eventId = try Self.optionalString(item, "eventId")
        var timestamp = Self.now()
        if let given = try Self.optionalString(item, "timestamp") {
            guard let normal = UTCTimestamp.rfc3339(given) else { throw APIError.invalidRequest("timestamp '\(given)' is not ISO 8601") }
            timestamp = normal
        }
        let data = item["data"] ?? .object([:])
        guard case .object = data else { throw APIError.invalidRequest("'data' must be an object") }
        guard let contact = try resolveContactID(userId: userId, email: email) else {
            throw APIError.contactNotFound("no contact with " + (userId.map { "userId '\($0)'" } ?? "email '\(email!)'"))
        }
        if let eventId {
            let find = try database.cached("SELECT id FROM events WHERE event_id = ?")
            find.bind(1, text: eventId)
            if try find.step(), let id = find.text(0) {
                let s = try database.cached("UPDATE events SET contact_id = ?, name = ?, timestamp = ?, data = ?, updates = updates + 1 WHERE id = ?")
                s.bind(1, text: contact.id); s.bind(2, text: name); s.bind(3, text: timestamp); s.bind(4, text: data.serialized); s.bind(5, text: id)
                try s.step()
                return ["success": .bool(true), "cnvEventId": .string(id), "cnvContactId": .string(contact.id)]
            }
        }
        let id = Self.newID()
        let s = try database.cached("INSERT INTO events (id, event_id, contact_id, name, timestamp, data, seq) VALUES (?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM events))")
        s.bind(1, text: id)
        if let eventId { s.bind(2, text: eventId) }
        s.bind(3, text: contact.id); s.bind(4, text: name); s.bind(5, text: timestamp); s.bind(6, text: data.serialized)
        try s.step()
        return ["success": .bool(true), "cnvEventId": .string(id), "cnvContactId": .string(contact.id)]
    }
}

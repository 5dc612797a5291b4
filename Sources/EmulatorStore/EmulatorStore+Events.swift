import ConversionAPI
import JSONCodec
import TimeFormats

/// An event item checked against the request rules: everything that does not need the store,
/// done before its lock is taken.
struct EventItem {
    var name: String
    var userId: String?
    var email: ContactEmail?
    var eventId: String?
    var timestamp: String
    var data = "{}"

    init(_ tape: JSONTape, _ item: Int) throws {
        guard tape[item].kind == .object else { throw APIError.invalidRequest("an event must be a JSON object") }
        guard let name = try EmulatorStore.optionalString(tape, item, "event") else {
            throw APIError.invalidRequest("an event needs 'event', its name")
        }
        self.name = name
        userId = try EmulatorStore.optionalString(tape, item, "userId")
        let emailText = try EmulatorStore.optionalString(tape, item, "email")
        guard userId != nil || emailText != nil else {
            throw APIError.missingIdentifier("an event needs 'userId' or 'email'")
        }
        email = try ContactEmail(emailText)
        eventId = try EmulatorStore.optionalString(tape, item, "eventId")
        timestamp = EmulatorStore.now()
        if let given = try EmulatorStore.optionalString(tape, item, "timestamp") {
            guard let normal = UTCTimestamp.rfc3339(given) else {
                throw APIError.invalidRequest("timestamp '\(given)' is not ISO 8601")
            }
            timestamp = normal
        }
        if let value = tape.member("data", of: item) {
            guard tape[value].kind == .object else { throw APIError.invalidRequest("'data' must be an object") }
            var w = JSONWriter(capacity: 128)
            w.writeTapeValue(tape, at: value)
            data = w.bytes.text
        }
    }
}

extension EmulatorStore {
    /// Tracks one checked event item. Resolution: userId first, then email; an email-matched
    /// contact with another userId conflicts; tracking never creates contacts. An existing
    /// eventId is updated in place, never stored twice.
    func trackEvent(_ item: EventItem) throws -> ItemResult {
        guard let contact = try resolveContactID(userId: item.userId, email: item.email) else {
            throw APIError.contactNotFound(
                "no contact with " + (item.userId.map { "userId '\($0)'" } ?? "email '\(item.email!.text)'"))
        }
        if let eventId = item.eventId {
            let find = try database.cached("SELECT id FROM events WHERE event_id = ?")
            find.bind(1, text: eventId)
            if try find.step(), let id = find.text(0) {
                let s = try database.cached(
                    """
                    UPDATE events SET contact_id = ?, name = ?, timestamp = ?, data = ?, updates = updates + 1
                    WHERE id = ?
                    """
                )
                s.bind(1, text: contact.id)
                s.bind(2, text: item.name)
                s.bind(3, text: item.timestamp)
                s.bind(4, text: item.data)
                s.bind(5, text: id)
                try s.step()
                return .event(id: id, contactId: contact.id)
            }
        }
        let id = Self.newID()
        let s = try database.cached(
            "INSERT INTO events (id, event_id, contact_id, name, timestamp, data) VALUES (?, ?, ?, ?, ?, ?)")
        s.bind(1, text: id)
        if let eventId = item.eventId { s.bind(2, text: eventId) }
        s.bind(3, text: contact.id)
        s.bind(4, text: item.name)
        s.bind(5, text: item.timestamp)
        s.bind(6, text: item.data)
        try s.step()
        return .event(id: id, contactId: contact.id)
    }
}

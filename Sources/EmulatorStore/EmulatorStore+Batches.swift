import ConversionAPI
import JSONCodec

extension EmulatorStore {
    /// What one item came to. Kept this small (no JSON tree per item) because batches of up to
    /// 1000 contacts are the emulator's hot path; `Outcome` writes the answer from it.
    enum ItemResult: Sendable {
        case contact(id: String, created: Bool)
        case event(id: String, contactId: String)
        case object(JSONObject)
        case failure(APIError)

        var succeeded: Bool { if case .failure = self { return false } else { return true } }
    }

    /// A handled request: how many items it covered and the answer's body.
    public struct Outcome: Sendable {
        enum Shape { case single, results, events }
        let shape: Shape
        let results: [ItemResult]

        public var items: Int { results.count }

        /// Whether the answer lists per-item results (what the short-answer fault shortens).
        public var hasResults: Bool { shape != .single && !results.isEmpty }

        /// The JSON body; `droppingLastResult` leaves the last item out of `results` (and only
        /// there: the counts still cover every item), as a faulty server might.
        public func body(droppingLastResult: Bool = false) -> [UInt8] {
            var w = JSONWriter(capacity: 64 + 96 * results.count)
            w.writeRaw("{\"data\":")
            switch shape {
            case .single:
                Self.write(results[0], into: &w, withSuccess: false)
            case .results, .events:
                w.writeByte(UInt8(ascii: "{"))
                if shape == .events {
                    let tracked = results.count(where: \.succeeded)
                    w.writeRaw("\"processed\":")
                    w.writeInteger(results.count)
                    w.writeRaw(",\"tracked\":")
                    w.writeInteger(tracked)
                    w.writeRaw(",\"failed\":")
                    w.writeInteger(results.count - tracked)
                    w.writeByte(UInt8(ascii: ","))
                }
                w.writeRaw("\"results\":[")
                for (i, result) in results.dropLast(droppingLastResult ? 1 : 0).enumerated() {
                    if i > 0 { w.writeByte(UInt8(ascii: ",")) }
                    Self.write(result, into: &w, withSuccess: true)
                }
                w.writeRaw("]}")
            }
            w.writeByte(UInt8(ascii: "}"))
            return w.bytes.array
        }

        private static func write(_ result: ItemResult, into w: inout JSONWriter, withSuccess: Bool) {
            switch result {
            case .contact(let id, let created):
                w.writeRaw(withSuccess ? "{\"success\":true,\"cnvContactId\":" : "{\"cnvContactId\":")
                w.writeString(id)
                w.writeRaw(created ? ",\"contactCreated\":true}" : ",\"contactCreated\":false}")
            case .event(let id, let contactId):
                w.writeRaw(withSuccess ? "{\"success\":true,\"cnvEventId\":" : "{\"cnvEventId\":")
                w.writeString(id)
                w.writeRaw(",\"cnvContactId\":")
                w.writeString(contactId)
                w.writeByte(UInt8(ascii: "}"))
            case .object(let object):
                w.writeObject(object)
            case .failure(let error):
                w.writeValue(error.itemResult)
            }
        }
    }

    /// Handles one API request body for `path`, read from its tape in place, and logs it in the
    /// same transaction (one commit per request) with the status and note `logAs` gives for the
    /// outcome; throws `APIError` for whole-request failures, which leave nothing stored or logged.
    /// Items are checked before the store's lock is taken, so that work overlaps other requests.
    public func handle(
        method: String, path: String, body tape: JSONTape,
        logAs: (Outcome) -> (status: Int, note: String?)
    ) throws -> Outcome {
        guard tape[0].kind == .object else { throw APIError.invalidRequest("the body must be a JSON object") }
        let apply = try prepare(path: path, tape)
        return try write {
            let outcome = try apply()
            let (status, note) = logAs(outcome)
            try insertLog(method: method, path: path, status: status, items: outcome.items, note: note)
            return outcome
        }
    }

    /// Checks the request and its items; returns what stores them, to run under the lock.
    private func prepare(path: String, _ tape: JSONTape) throws -> () throws -> Outcome {
        let schema = lock.withLock { self.schema }
        let (updateOnly, preserve) = (
            tape.bool("updateOnly", of: 0) == true, tape.bool("preserveExistingFields", of: 0) == true
        )
        switch path {
        case APIContract.contactsPath:
            let item = Result { try ContactItem(tape, 0, schema: schema) }
            return {
                Outcome(
                    shape: .single,
                    results: [
                        try self.upsertContact(item.get(), tape, updateOnly: updateOnly, preserveExisting: preserve)
                    ])
            }
        case APIContract.contactsBatchPath:
            let items = try batch(tape, "contacts", limit: APIContract.contactsPerBatch).map { i in
                Result { try ContactItem(tape, i, schema: schema) }
            }
            return {
                Outcome(
                    shape: .results,
                    results: items.map { item in
                        self.perItem {
                            try self.upsertContact(item.get(), tape, updateOnly: updateOnly, preserveExisting: preserve)
                        }
                    })
            }
        case APIContract.eventsPath:
            let item = Result { try EventItem(tape, 0) }
            return { Outcome(shape: .single, results: [try self.trackEvent(item.get())]) }
        case APIContract.eventsBatchPath:
            let items = try batch(tape, "events", limit: APIContract.eventsPerBatch).map { i in
                Result { try EventItem(tape, i) }
            }
            return {
                Outcome(shape: .events, results: items.map { item in self.perItem { try self.trackEvent(item.get()) } })
            }
        default:
            guard path.hasPrefix("/v2/objects/"), path.hasSuffix("/batch") else {
                throw APIError.notFound("no endpoint \(path)")
            }
            let type = String(path.dropFirst("/v2/objects/".count).dropLast("/batch".count))
            guard !type.isEmpty, !type.contains("/") else { throw APIError.notFound("no endpoint \(path)") }
            guard schema.objectTypes[type] != nil else {
                throw APIError.objectTypeNotFound("object type '\(type)' does not exist")
            }
            let items = try batch(tape, "objects", limit: APIContract.objectsPerBatch)
            return {
                Outcome(
                    shape: .results,
                    results: items.map { item in self.perItem { try self.upsertObject(type: type, tape, item) } })
            }
        }
    }

    /// The tape indexes of the items of array member `name`.
    private func batch(_ tape: JSONTape, _ name: StaticString, limit: Int) throws -> [Int] {
        guard let list = tape.member(name, of: 0), tape[list].kind == .array else {
            throw APIError.invalidRequest("'\(name)' must be an array of 1 to \(limit) items")
        }
        let items = Array(tape.elements(ofArray: list))
        guard (1...limit).contains(items.count) else {
            throw APIError.invalidRequest("'\(name)' holds \(items.count) items; a batch takes 1 to \(limit)")
        }
        // A body that does not match the request schema is refused whole (docs/api.md); only
        // well-formed items get per-item verdicts.
        for (i, item) in items.enumerated() {
            guard tape[item].kind == .object else { throw APIError.invalidRequest("\(name)[\(i)] must be an object") }
            for member: StaticString in ["fields", "companyFields", "data"] {
                if let v = tape.member(member, of: item), tape[v].kind != .null, tape[v].kind != .object {
                    throw APIError.invalidRequest("\(name)[\(i)].\(member) must be an object")
                }
            }
            for member: StaticString in ["email", "userId", "id", "eventId", "event", "cnvContactId"] {
                if let v = tape.member(member, of: item), tape[v].kind != .null, tape[v].kind != .string {
                    throw APIError.invalidRequest("\(name)[\(i)].\(member) must be a string")
                }
            }
        }
        return items
    }

    /// Item failures become `{"success":false,"error":…}` (docs/api.md); anything else fails the request.
    private func perItem(_ body: () throws -> ItemResult) -> ItemResult {
        do {
            return try body()
        } catch let error as APIError {
            return .failure(error)
        } catch {
            return .failure(APIError.internalError("\(error)"))
        }
    }

    /// Member `name` of the item at `item` as a non-empty string; nil when absent, null or "".
    static func optionalString(_ tape: JSONTape, _ item: Int, _ name: StaticString) throws -> String? {
        guard let v = tape.member(name, of: item) else { return nil }
        switch tape[v].kind {
        case .null: return nil
        case .string:
            let s = tape.decodeString(v)
            return s.isEmpty ? nil : s
        default: throw APIError.invalidRequest("'\(name)' must be a string, got \(tape.value(at: v).typeDescription)")
        }
    }
}

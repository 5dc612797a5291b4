import ConversionAPI
import JSONCodec

extension EmulatorStore {
    /// The body of a successful response and the number of items it covered.
    public struct Outcome {
        public var body: JSONValue
        public var items: Int
    }

    /// Handles one API request body for `path`; throws `APIError` for whole-request failures.
    public func handle(path: String, body: JSONValue) throws -> Outcome {
        guard case .object(let request) = body else { throw APIError.invalidRequest("the body must be a JSON object") }
        switch path {
        case APIContract.contactsPath:
            let result = try write { try upsertContact(body, updateOnly: flag(request, "updateOnly"), preserveExisting: flag(request, "preserveExistingFields")) }
            var data = result
            data["success"] = nil
            return Outcome(body: .object(["data": .object(data)]), items: 1)
        case APIContract.contactsBatchPath:
            let items = try batch(request, "contacts", limit: APIContract.contactsPerBatch)
            let updateOnly = flag(request, "updateOnly"), preserve = flag(request, "preserveExistingFields")
            let results = try write { items.map { item in perItem { try upsertContact(item, updateOnly: updateOnly, preserveExisting: preserve) } } }
            return Outcome(body: .object(["data": .object(["results": .array(results)])]), items: items.count)
        case APIContract.eventsPath:
            var data = try write { try trackEvent(body) }
            data["success"] = nil
            return Outcome(body: .object(["data": .object(data)]), items: 1)
        case APIContract.eventsBatchPath:
            let items = try batch(request, "events", limit: APIContract.eventsPerBatch)
            let results = try write { items.map { item in perItem { try trackEvent(item) } } }
            let tracked = results.filter { $0.objectValue?["success"] == .bool(true) }.count
            return Outcome(body: .object(["data": .object(["processed": .number(String(items.count)), "tracked": .number(String(tracked)),
                                                           "failed": .number(String(items.count - tracked)), "results": .array(results)])]),
                           items: items.count)
        default:
            guard path.hasPrefix("/v2/objects/"), path.hasSuffix("/batch") else { throw APIError.notFound("no endpoint \(path)") }
            let type = String(path.dropFirst("/v2/objects/".count).dropLast("/batch".count))
            guard !type.isEmpty, !type.contains("/") else { throw APIError.notFound("no endpoint \(path)") }
            guard schema.objectTypes[type] != nil else { throw APIError.objectTypeNotFound("object type '\(type)' does not exist") }
            let items = try batch(request, "objects", limit: APIContract.objectsPerBatch)
            let results = try write { items.map { item in perItem { try upsertObject(type: type, item) } } }
            return Outcome(body: .object(["data": .object(["results": .array(results)])]), items: items.count)
        }
    }

    private func batch(_ request: JSONObject, _ name: String, limit: Int) throws -> [JSONValue] {
        guard case .array(let items)? = request[name] else { throw APIError.invalidRequest("'\(name)' must be an array of 1 to \(limit) items") }
        guard (1...limit).contains(items.count) else {
            throw APIError.invalidRequest("'\(name)' holds \(items.count) items; a batch takes 1 to \(limit)")
        }
        // A body that does not match the request schema is refused whole (docs/api.md); only
        // well-formed items get per-item verdicts.
        for (i, item) in items.enumerated() {
            guard case .object(let object) = item else { throw APIError.invalidRequest("\(name)[\(i)] must be an object") }
            for member in ["fields", "companyFields", "data"] {
                if let v = object[member], !v.isNull, v.objectValue == nil {
                    throw APIError.invalidRequest("\(name)[\(i)].\(member) must be an object")
                }
            }
            for member in ["email", "userId", "id", "eventId", "event", "cnvContactId"] {
                if let v = object[member], !v.isNull, v.stringValue == nil {
                    throw APIError.invalidRequest("\(name)[\(i)].\(member) must be a string")
                }
            }
        }
        return items
    }

    /// Item failures become `{"success":false,"error":…}` (docs/api.md); anything else fails the request.
    private func perItem(_ body: () throws -> JSONObject) -> JSONValue {
        do {
            return .object(try body())
        } catch let error as APIError {
            return error.itemResult
        } catch {
            return APIError.internalError("\(error)").itemResult
        }
    }

    private func flag(_ request: JSONObject, _ name: String) -> Bool { request[name] == .bool(true) }
}

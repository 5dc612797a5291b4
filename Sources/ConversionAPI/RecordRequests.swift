import JSONCodec

/// Where a record goes, and how many fit one request.
public enum Endpoint: Hashable, Sendable {
    case contacts
    case events
    case objects(type: String)

    public var path: String {
        switch self {
        case .contacts: return APIContract.contactsBatchPath
        case .events: return APIContract.eventsBatchPath
        case .objects(let type): return APIContract.objectsBatchPath(type)
        }
    }

    public var limit: Int {
        switch self {
        case .contacts: return APIContract.contactsPerBatch
        case .events: return APIContract.eventsPerBatch
        case .objects: return APIContract.objectsPerBatch
        }
    }

    /// The member of the batch body that holds the items.
    public var itemsKey: String {
        switch self {
        case .contacts: return "contacts"
        case .events: return "events"
        case .objects: return "objects"
        }
    }
}

/// Turns records (DESIGN.md §2) into Conversion API items.
public enum RecordRequests {
    public struct Item {
        public var endpoint: Endpoint
        public var body: JSONObject
    }

    public enum Failure: Error, Equatable { case invalid(String) }

    /// `includeUserId` is decision 4: userId goes as a top-level contact field unless turned off.
    public static func item(for record: JSONObject, includeUserId: Bool = true) throws(Failure) -> Item {
        switch record["type"]?.stringValue {
        case "contact":
            var body = JSONObject()
            if includeUserId { copy("userId", from: record, to: &body) }
            copy("email", from: record, to: &body)
            guard body["email"] != nil || body["userId"] != nil else { throw .invalid("a contact record needs 'userId' or 'email'") }
            copy("subscriptionStatus", from: record, to: &body)
            body["fields"] = record["fields"] ?? .object([:])
            copy("companyFields", from: record, to: &body)
            return Item(endpoint: .contacts, body: body)
        case "event":
            guard let name = record["event"], case .string = name else { throw .invalid("an event record needs 'event'") }
            var body: JSONObject = ["event": name]
            for key in ["userId", "email", "eventId", "timestamp"] { copy(key, from: record, to: &body) }
            body["data"] = record["data"] ?? .object([:])
            return Item(endpoint: .events, body: body)
        case "object":
            guard let type = record["objectType"]?.stringValue, !type.isEmpty, let id = record["id"], case .string = id else {
                throw .invalid("an object record needs 'objectType' and 'id'")
            }
            var body: JSONObject = ["id": id, "fields": record["fields"] ?? .object([:])]
            if case .array(let relationships)? = record["relationships"] {
                body["relationships"] = .array(relationships.map { value in
                    guard case .object(let r) = value else { return value }
                    var out = JSONObject()
                    for key in ["userId", "email", "fields"] { copy(key, from: r, to: &out) }
                    return .object(out)
                })
            }
            return Item(endpoint: .objects(type: type), body: body)
        default:
            throw .invalid("expected 'type' contact, object or event")
        }
    }

    public static func batchBody(_ endpoint: Endpoint, _ items: [JSONObject]) -> JSONValue {
        .object([endpoint.itemsKey: .array(items.map(JSONValue.object))])
    }

    private static func copy(_ key: String, from source: JSONObject, to target: inout JSONObject) {
        if let value = source[key], !value.isNull { target[key] = value }
    }
}

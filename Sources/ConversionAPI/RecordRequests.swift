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

    /// The type of the records that go here.
    public var recordType: RecordType {
        switch self {
        case .contacts: return .contact
        case .events: return .event
        case .objects: return .object
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
    public enum Failure: Error, Equatable { case invalid(String) }

    public static func batchBody(_ endpoint: Endpoint, _ items: [JSONObject]) -> JSONValue {
        .object([endpoint.itemsKey: .array(items.map(JSONValue.object))])
    }
}

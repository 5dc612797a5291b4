/// The endpoints and limits of the Conversion API as this project uses them, in one place
/// (published facts and this project's choices; see docs/api.md).
public enum APIContract {
    /// Production base URL (published).
    public static let productionBaseURL = "https://pub-api.conversion.ai/api"

    public static let contactsPath = "/v2/contacts"
    public static let contactsBatchPath = "/v2/contacts/batch"
    public static let eventsPath = "/v2/events"
    public static let eventsBatchPath = "/v2/events/batch"

    /// Choice (docs/api.md): The provisional custom-object endpoint.
    public static func objectsBatchPath(_ objectType: String) -> String { "/v2/objects/\(objectType)/batch" }

    /// Choice (docs/api.md): Object type keys become a path segment: letters, digits, '_' and '-' only,
    /// so no key can climb out of `/v2/objects/` or need escaping.
    public static let objectTypeKeyRule = "1 to 64 letters, digits, '_' or '-'"

    public static func isObjectTypeKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.count <= 64
            && key.utf8.allSatisfy {
                $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0)
                    || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)
            }
    }

    /// Items per batch request (published: 1..1000 contacts, 1..200 events; our choice: 1..200 objects).
    public static let contactsPerBatch = 1000
    public static let eventsPerBatch = 200
    public static let objectsPerBatch = 200

    /// Choice (docs/api.md): The documented v1 limit, which the client keeps to by default.
    public static let requestsPerSecond = 10.0

    public static let apiKeyHeader = "X-API-Key"

    public static let subscriptionStatuses = ["SUBSCRIBED", "UNSUBSCRIBED", "NO_STATUS"]
}

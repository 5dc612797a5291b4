/// What a `cv-map` run produces.
public enum Destination: Sendable, Equatable {
    case contacts
    case objects(type: String)
    case events

    public var noun: String {
        switch self {
        case .contacts: return "contacts"
        case .objects(let type): return "'\(type)' object"
        case .events: return "events"
        }
    }
}

/// The role a column plays for the destination, resolved once per distinct column name.
enum Slot: Equatable {
    case userId, email, subscriptionStatus
    /// A contact field or an object field, by position in the schema's field set.
    case field(Int)
    case companyField(Int)
    case objectId, relationshipFields
    case eventName, timestamp, eventId
    /// Any other column of an events row: an event property.
    case property
    case ignored
}

/// The columns every destination knows by name, as Conversion's own warehouse sync names them (README, "Sync files").
enum ReservedColumn {
    static let userId = "userId"
    static let email = "email"
    static let subscriptionStatus = "subscriptionStatus"
    static let id = "id"
    static let relationshipFields = "relationshipFields"
    static let eventName = "event_name"
    static let timestamp = "timestamp"
    static let eventId = "eventId"
}

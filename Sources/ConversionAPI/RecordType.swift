import JSONCodec

/// The `type` member of every record on the streams between cv-map, cv-dedupe and cv-load
/// (docs/streams.md): which API item the record becomes.
public enum RecordType: String, Sendable, CaseIterable {
    case contact, object, event

    /// The type of the record object at `object`; nil when `type` is missing, not a string or
    /// none of these (read without a String on the common path).
    public init?(_ tape: JSONTape, at object: Int) {
        guard let member = tape.member("type", of: object), tape[member].kind == .string else { return nil }
        if tape.stringEquals(member, "contact") {
            self = .contact
        } else if tape.stringEquals(member, "event") {
            self = .event
        } else if tape.stringEquals(member, "object") {
            self = .object
        } else {
            return nil
        }
    }

    /// The message for a record whose `type` is missing or unknown.
    public static let expectation = "expected 'type' contact, object or event"
}

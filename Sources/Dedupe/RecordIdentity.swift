import ConversionAPI
import JSONCodec
import SyncCore

/// What a record is to the state: its kind and the key Conversion matches it by.
public enum RecordKind: UInt8, Sendable, CaseIterable {
    case contact = 1
    case object = 2
    case relationship = 3
    case event = 4

    var name: String {
        switch self {
        case .contact: return "contacts"
        case .object: return "objects"
        case .relationship: return "relationships"
        case .event: return "events"
        }
    }
}

/// Keys are text so acks can carry them back: `contact:userId:42`, `contact:email:a@x.com`
/// (lower-cased, trimmed), `object:product:p1`, `relationship:product:p1:email:a@x.com`,
/// `event:o-17`.
enum RecordIdentity {
    struct Identity {
        var kind: RecordKind
        /// nil for an event without eventId, which cv-dedupe keys by its content.
        var key: String?
    }

    enum Failure: Error { case invalid(String) }

    /// The key of an event without an eventId: its canonical content's hash after this prefix
    /// (not `event:`, so no eventId can collide with it).
    static let contentKeyPrefix = "eventContent:"

    /// The members a key is made of, found in one pass over the record's members (it took two
    /// passes per name, one to find it and one to count its copies: some 5% of an unchanged
    /// resync's cv-dedupe CPU).
    private struct KeyMembers {
        enum Name: Int, CaseIterable {
            case type, userId, email, objectType, id, eventId

            var text: StaticString {
                switch self {
                case .type: "type"
                case .userId: "userId"
                case .email: "email"
                case .objectType: "objectType"
                case .id: "id"
                case .eventId: "eventId"
                }
            }
        }

        /// The value's tape index per name: -1 absent, -2 given more than once.
        private var found = InlineArray<6, Int>(repeating: -1)

        init(_ tape: JSONTape) {
            for key in tape.memberKeys(ofObject: 0) {
                for name in Name.allCases where tape.stringEquals(key, name.text) {
                    found[name.rawValue] = found[name.rawValue] == -1 ? key + 1 : -2
                    break
                }
            }
        }

        subscript(_ name: Name) -> Int { found[name.rawValue] }
    }

    static func identify(_ tape: JSONTape) throws(Failure) -> Identity {
        let members = KeyMembers(tape)
        // A key member given twice would key the record on whichever copy came first (cv-load
        // refuses other duplicated members before sending).
        func single(_ name: KeyMembers.Name) throws(Failure) -> Int {
            let value = members[name]
            guard value != -2 else {
                throw .invalid("member '\(name.text)' appears twice; a record's key must be unambiguous")
            }
            return value
        }
        func string(_ name: KeyMembers.Name) throws(Failure) -> String? {
            let value = try single(name)
            return value >= 0 && tape[value].kind == .string ? tape.decodeString(value) : nil
        }
        guard let type = RecordType(tape, at: 0) else {
            let other = try string(.type)
            throw .invalid(RecordType.expectation + ", got " + (other.map { "'\($0)'" } ?? "none"))
        }
        switch type {
        case .contact:
            // The email is decoded only when there is no userId (a string decoded for nothing,
            // and the key joined in two steps, were a twentieth of a resync's cv-dedupe).
            let userId = try string(.userId)
            let email = userId == nil ? try string(.email) : nil
            _ = try single(.email)
            guard let key = contactKey(userId: userId, email: email, ofRecord: true) else {
                throw .invalid("a contact record needs 'userId' or 'email'")
            }
            return Identity(kind: .contact, key: key)
        case .object:
            guard let type = try string(.objectType), let id = try string(.id) else {
                throw .invalid("an object record needs 'objectType' and 'id'")
            }
            return Identity(kind: .object, key: "object:\(type):\(id)")
        case .event:
            return Identity(kind: .event, key: try string(.eventId).map { "event:" + $0 })
        }
    }

    /// `userId:…` when there is a userId, else `email:…` (emails compare case-insensitively
    /// after trimming); a record's key has `contact:` before it, joined in the same step.
    static func contactKey(userId: String?, email: String?, ofRecord: Bool = false) -> String? {
        if let userId { return (ofRecord ? "contact:userId:" : "userId:") + userId }
        if let email { return (ofRecord ? "contact:email:" : "email:") + EmailKey.normalized(email) }
        return nil
    }
}

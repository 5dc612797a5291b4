import StreamIO
import ConversionAPI
import JSONCodec
import SyncCore

/// A record on its way: the API item to send (as JSON bytes) and what an ack or reject must
/// carry back. Bytes, not trees: the hot path of cv-load allocates one buffer per record.
struct PendingRecord: Sendable {
    /// The record as it came in, for rejects (so they can be replayed).
    var record: [UInt8]
    /// The API item, as JSON.
    var item: [UInt8]
    var row: Int?
    /// cv-dedupe's key, echoed in the ack so commit can mark the record as sent.
    var key: String?
    /// cv-dedupe's key of each relationship, in order (objects only).
    var relationshipKeys: [String?]
    var type: RecordType
    /// Set for events, so a contact_not_found can be answered by creating the contact.
    var email: String?

    /// `type` is what `RecordRequests.writeItem` read (its endpoint's), so it is not read again.
    init(tape: JSONTape, raw: Span<UInt8>, item: [UInt8], type: RecordType) {
        record = raw.array
        self.item = item
        row = nil
        for key in tape.memberKeys(ofObject: 0) where tape.stringEquals(key, "row") {
            if tape[key + 1].kind == .number { row = Int(String(decodingUTF8: tape.bytes(key + 1))) }
        }
        key = tape.string("key", of: 0)
        self.type = type
        email = type == .event ? tape.string("email", of: 0) : nil
        relationshipKeys = []
        if type == .object {
            for member in tape.memberKeys(ofObject: 0)
            where tape.stringEquals(member, "relationships") && tape[member + 1].kind == .array {
                var k = member + 2
                for _ in 0..<Int(tape[member + 1].start) {
                    var found: String?
                    if tape[k].kind == .object {
                        for rk in tape.memberKeys(ofObject: k)
                        where tape.stringEquals(rk, "key") && tape[rk + 1].kind == .string {
                            found = tape.decodeString(rk + 1)
                        }
                    }
                    relationshipKeys.append(found)
                    k = Int(tape[k].next)
                }
            }
        }
    }
}

/// What became of one record.
enum RecordResult: Sendable {
    case ack(ItemResult)
    case reject(code: RejectCode, message: String, httpStatus: Int?, attempts: Int, retryable: Bool)
}

struct Batch: Sendable {
    var endpoint: Endpoint
    var records: [PendingRecord]

    /// `{"contacts":[…]}` from the items' bytes.
    static func body(_ endpoint: Endpoint, _ records: [PendingRecord]) -> [UInt8] {
        var w = JSONWriter(capacity: records.reduce(32) { $0 + $1.item.count + 1 })
        w.writeByte(UInt8(ascii: "{"))
        w.writeString(endpoint.itemsKey)
        w.writeRaw(":[")
        for (i, r) in records.enumerated() {
            if i > 0 { w.writeByte(UInt8(ascii: ",")) }
            w.writeRaw(r.item)
        }
        w.writeRaw("]}")
        return w.bytes.array
    }
}

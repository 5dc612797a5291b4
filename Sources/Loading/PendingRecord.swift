import ConversionAPI
import JSONCodec

/// A record on its way: the API item to send and what an ack or reject must carry back.
struct PendingRecord: Sendable {
    /// The record as it came in, for rejects (so they can be replayed).
    var record: JSONValue
    var item: JSONObject
    var row: Int?
    /// cv-dedupe's key, echoed in the ack so commit can mark the record as sent.
    var key: String?
    /// cv-dedupe's key of each relationship, in order (objects only).
    var relationshipKeys: [String?]
    var type: String

    init(record: JSONObject, item: JSONObject) {
        self.record = .object(record)
        self.item = item
        if case .number(let t)? = record["row"] { row = Int(t) }
        key = record["key"]?.stringValue
        type = record["type"]?.stringValue ?? "?"
        if case .array(let rels)? = record["relationships"] {
            relationshipKeys = rels.map { $0.objectValue?["key"]?.stringValue }
        } else {
            relationshipKeys = []
        }
    }
}

/// What became of one record.
enum RecordResult: Sendable {
    case ack(JSONObject)
    case reject(code: String, message: String, httpStatus: Int?, attempts: Int, retryable: Bool)
}

struct Batch: Sendable {
    var endpoint: Endpoint
    var records: [PendingRecord]
}

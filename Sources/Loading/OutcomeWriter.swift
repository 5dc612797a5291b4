import ConversionAPI
import JSONCodec
import SyncCore
import Synchronization
import StreamIO

/// Writes every record's outcome (acks file, rejects file) from any worker, under one lock.
final class OutcomeWriter: Sendable {
    private let files: Mutex<Files>
    private let counters: SharedCounters

    /// The output files and their buffers: only ever touched under the lock.
    private struct Files: ~Copyable {
        let acks: ByteSink?
        var ackBuffer = ByteBuffer(capacity: 1 << 16)
        var ackWriter = JSONWriter(capacity: 512)
        let rejects: RejectLog
    }

    init(acksPath: String?, rejects: sending RejectLog, counters: SharedCounters) throws {
        let acks = try acksPath.map { p throws(OutputError) in try ByteSink(path: p, append: true) }
        files = Mutex(Files(acks: acks, rejects: rejects))
        self.counters = counters
    }

    func record(_ records: [PendingRecord], _ results: [RecordResult]) throws {
        try files.withLock { files in
            for (record, result) in zip(records, results) { try write(record, result, into: &files) }
            if let acks = files.acks { try acks.maybeFlush(&files.ackBuffer) }
        }
    }

    /// A record that never became a request (not a valid record).
    func reject(invalid raw: Span<UInt8>, row: Int, message: String, code: RejectCode = .invalidRecord) throws {
        // Copied (a rare path): what is under the lock must not take in the caller's buffer.
        let line = raw.array
        let reject = Reject(stage: .load, row: row, code: code, message: message)
        try files.withLock { files in
            try files.rejects.add(reject, input: nil, rawInput: line.isEmpty ? nil : line.span)
            counters.update { $0.countReject(code.rawValue) }
        }
    }

    private func write(_ record: PendingRecord, _ result: RecordResult, into files: inout Files) throws {
        switch result {
        case .ack(let result):
            // Without --acks there is nowhere to write the line: building it anyway grew the
            // buffer by every ack of the run (130 MB over a million records).
            if files.acks != nil {
                AckLine.write(record, result, into: &files.ackWriter)
                files.ackBuffer.append(files.ackWriter.bytes)
                files.ackWriter.bytes.removeAll()
            }
            counters.update { $0.acks += 1 }
        case .reject(let code, let message, let status, let attempts, let retryable):
            var reject = Reject(
                stage: .load, row: record.row, code: code, message: message, retryable: retryable)
            reject.extra["httpStatus"] = status.map { .number(String($0)) } ?? .null
            reject.extra["attempts"] = .number(String(attempts))
            if let key = record.key { reject.extra["key"] = .string(key) }
            let rejects = files.rejects
            try rejects.add(reject, input: record.record.span)
            counters.update { $0.countReject(code.rawValue) }
        }
    }

    /// Ack bytes written but not yet flushed: what the writer holds in memory.
    var bufferedAckBytes: Int { files.withLock { $0.ackBuffer.count } }

    func flush() throws {
        try files.withLock { files in
            if let acks = files.acks { try acks.flush(&files.ackBuffer) }
            try files.rejects.flush()
        }
    }
}

/// `{"key","type","row","cnvContactId"|"cnvEventId"|"cnvObjectId","created","relationshipKeys","relationshipErrors"}`
enum AckLine {
    static func write(_ record: PendingRecord, _ result: ItemResult, into w: inout JSONWriter) {
        w.writeByte(UInt8(ascii: "{"))
        if let key = record.key {
            w.writeRaw("\"key\":")
            w.writeString(key)
            w.writeByte(UInt8(ascii: ","))
        }
        w.writeRaw("\"type\":")
        w.writeString(record.type.rawValue)
        if let row = record.row {
            w.writeRaw(",\"row\":")
            w.writeInteger(row)
        }
        for (name, value) in [
            ("cnvContactId", result.cnvContactId), ("cnvEventId", result.cnvEventId),
            ("cnvObjectId", result.cnvObjectId),
        ] {
            guard let value else { continue }
            w.writeByte(UInt8(ascii: ","))
            w.writeString(name)
            w.writeByte(UInt8(ascii: ":"))
            w.writeString(value)
        }
        if let created = result.created { w.writeRaw(created ? ",\"created\":true" : ",\"created\":false") }
        if record.type == .object { writeRelationships(record, result, into: &w) }
        w.writeRaw("}\n")
    }

    /// Which relationships Conversion took: their keys go in the ack for commit; failures are
    /// listed so they are visible (their keys stay unmarked and are sent again next run).
    private static func writeRelationships(_ record: PendingRecord, _ result: ItemResult, into w: inout JSONWriter) {
        var keys: [String] = []
        var errors: [JSONValue] = []
        var retry: [Int] = []
        for (i, key) in record.relationshipKeys.enumerated() {
            let r = result.relationships.map {
                i < $0.count ? $0[i] : RelationshipResult(success: false, code: "upsert_failed", message: "no result")
            }
            if r?.success ?? true {
                if let key { keys.append(key) }
            } else {
                let code = RejectCode(r?.code ?? "upsert_failed")
                if code.isRetryable { retry.append(i) }
                errors.append(
                    .object([
                        "key": key.map(JSONValue.string) ?? .null, "code": .string(code.rawValue),
                        "message": .string(r?.message ?? "no result"), "retryable": .bool(code.isRetryable),
                    ]))
            }
        }
        w.writeRaw(",\"relationshipKeys\":")
        w.writeValue(.array(keys.map(JSONValue.string)))
        if !errors.isEmpty {
            w.writeRaw(",\"relationshipErrors\":")
            w.writeValue(.array(errors))
        }
        if !retry.isEmpty, let object = retryRecord(record, relationships: retry) {
            // The object with just the relationships to try again: commit queues it.
            w.writeRaw(",\"retry\":")
            w.writeValue(.object(object))
        }
    }

    private static func retryRecord(_ record: PendingRecord, relationships indices: [Int]) -> JSONObject? {
        let value = try? JSONValue.parse(record.record.span)
        guard var object = value?.objectValue, case .array(let all)? = object["relationships"] else { return nil }
        object["relationships"] = .array(indices.filter { $0 < all.count }.map { all[$0] })
        object["key"] = nil
        return object
    }
}

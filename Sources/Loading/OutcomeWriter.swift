import JSONCodec
import SyncCore

/// Writes every record's outcome (acks file, rejects file) from any worker, under one lock.
final class OutcomeWriter: @unchecked Sendable {
    private let lock = Mutex()
    private let acks: ByteSink?
    private var ackBuffer = ByteBuffer(capacity: 1 << 16)
    private let rejects: RejectLog
    private let counters: SharedCounters

    init(acksPath: String?, rejects: RejectLog, counters: SharedCounters) throws {
        acks = try acksPath.map { p throws(OutputError) in try ByteSink(path: p, append: true) }
        self.rejects = rejects
        self.counters = counters
    }

    func record(_ records: [PendingRecord], _ results: [RecordResult]) throws {
        try lock.withLock {
            for (record, result) in zip(records, results) { try write(record, result) }
            if let acks { try acks.maybeFlush(&ackBuffer) }
        }
    }

    /// A record that never became a request (not a valid record).
    func reject(invalid raw: UnsafeBufferPointer<UInt8>?, row: Int, message: String) throws {
        try lock.withLock {
            try rejects.add(Reject(stage: "load", row: row, code: "invalid_record", message: message), input: nil, rawInput: raw)
            counters.update { $0.rejects += 1; $0.rejectedByCode["invalid_record", default: 0] += 1 }
        }
    }

    private func write(_ record: PendingRecord, _ result: RecordResult) throws {
        switch result {
        case .ack(let ack):
            var w = JSONWriter(capacity: 256)
            w.writeObject(ack)
            w.bytes.withUnsafeBufferPointer { ackBuffer.append(contentsOf: $0) }
            ackBuffer.append(0x0A)
            counters.update { $0.acks += 1 }
        case .reject(let code, let message, let status, let attempts, let retryable):
            var reject = Reject(stage: "load", row: record.row, code: code, message: message, retryable: retryable)
            reject.extra["httpStatus"] = status.map { .number(String($0)) } ?? .null
            reject.extra["attempts"] = .number(String(attempts))
            if let key = record.key { reject.extra["key"] = .string(key) }
            try record.record.withUnsafeBufferPointer { raw throws(OutputError) in try rejects.add(reject, input: raw) }
            counters.update { $0.rejects += 1; $0.rejectedByCode[code, default: 0] += 1 }
        }
    }

    func flush() throws {
        try lock.withLock {
            if let acks { try acks.flush(&ackBuffer) }
            try rejects.flush()
        }
    }
}

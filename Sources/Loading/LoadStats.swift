import JSONCodec
import SyncCore
import Synchronization
import StreamIO

/// Counts of one load: recordsIn = acks + rejected, always.
public struct LoadStats: Sendable, Equatable {
    public var recordsIn = 0
    public var acks = 0
    public var rejected = 0
    public var rejectedByCode: [String: Int] = [:]
    public var requests = 0
    public var retries = 0
    public var http429 = 0
    public var http5xx = 0
    public var transportErrors = 0
    /// 2xx answers that were not batch results (retried, never taken as acks).
    public var invalidResponses = 0
    /// Connections libcurl opened again inside a transfer (each may have resent a request).
    public var reconnects = 0
    public var splits = 0
    public var contactsCreatedForEvents = 0
    public var undelivered = 0
    public var seconds = 0.0

    /// Counts one reject, in total and under its code (the two must agree).
    mutating func countReject(_ code: String) {
        rejected += 1
        rejectedByCode[code, default: 0] += 1
    }

    public var json: JSONObject {
        [
            StatsKey.tool.rawValue: .string("cv-load"), StatsKey.recordsIn.rawValue: .count(recordsIn),
            "acks": .count(acks), StatsKey.rejected.rawValue: .count(rejected),
            StatsKey.rejectedByCode.rawValue: .counts(rejectedByCode), "requests": .count(requests),
            "retries": .count(retries), "http429": .count(http429), "http5xx": .count(http5xx),
            "transportErrors": .count(transportErrors), "invalidResponses": .count(invalidResponses),
            "reconnects": .count(reconnects), "splits": .count(splits),
            "contactsCreatedForEvents": .count(contactsCreatedForEvents), "undelivered": .count(undelivered),
            "seconds": .seconds(seconds),
        ]
    }

    public var summary: String {
        var text = "\(recordsIn) records: \(acks) acknowledged, \(rejected) rejected"
        if !rejectedByCode.isEmpty {
            text +=
                " (" + rejectedByCode.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                + ")"
        }
        text += "; \(requests) requests, \(retries) retries"
        return text
    }
}

/// Counters shared by the workers.
final class SharedCounters: Sendable {
    private let stats = Mutex(LoadStats())

    func update(_ body: (inout LoadStats) -> Void) { stats.withLock { body(&$0) } }
    var snapshot: LoadStats { stats.withLock { $0 } }
}

/// Set once by the first 401/403; every worker checks it before sending.
final class StopSignal: Sendable {
    private let reason = Mutex<LoadError?>(nil)

    func stop(_ error: LoadError) { reason.withLock { if $0 == nil { $0 = error } } }
    var stopped: LoadError? { reason.withLock { $0 } }
}

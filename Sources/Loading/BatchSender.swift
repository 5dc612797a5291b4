import ConversionAPI
import CurlHTTP
import JSONCodec
import SyncCore

/// Sends batches for one worker: rate limit, retries with backoff, bisection of rejected
/// batches, and the contact_not_found fallback for events (decisions 3 and 5).
final class BatchSender: @unchecked Sendable {
    let transport: HTTPTransport
    let configuration: LoadConfiguration
    let limiter: RateLimiter
    let counters: SharedCounters
    let stop: StopSignal

    init(transport: HTTPTransport, configuration: LoadConfiguration, limiter: RateLimiter, counters: SharedCounters, stop: StopSignal) {
        self.transport = transport
        self.configuration = configuration
        self.limiter = limiter
        self.counters = counters
        self.stop = stop
    }

    /// The final result of every record of the batch, in order.
    func send(_ batch: Batch) -> [RecordResult] {
        let results = deliver(batch.endpoint, batch.records)
        guard batch.endpoint == .events else { return results }
        return retryMissingContacts(batch.records, results)
    }

    /// What one POST of a batch came to.
    enum Answer {
        case outcomes([ItemOutcome])
        /// A 4xx other than 401/403/429: Conversion refused the request as a whole.
        case refused(status: Int, code: String, message: String)
        /// Retries used up (429, 5xx, transport errors), or the run was stopped.
        case undelivered(code: String, message: String, status: Int?, attempts: Int)
    }

    func deliver(_ endpoint: Endpoint, _ records: [PendingRecord]) -> [RecordResult] {
        switch post(endpoint.path, Batch.body(endpoint, records), count: records.count) {
        case .outcomes(let outcomes):
            return zip(records, outcomes).map { record, outcome in result(record, outcome) }
        case .refused(let status, let code, let message):
            // A request-level verdict about the endpoint, or a single record: reject as is.
            if records.count == 1 || code == "object_type_not_found" || status == 401 || status == 403 {
                return records.map { _ in .reject(code: code, message: message, httpStatus: status, attempts: 1, retryable: false) }
            }
            counters.update { $0.splits += 1 }
            let half = records.count / 2
            return deliver(endpoint, Array(records[..<half])) + deliver(endpoint, Array(records[half...]))
        case .undelivered(let code, let message, let status, let attempts):
            counters.update { $0.undelivered += records.count }
            return records.map { _ in .reject(code: code, message: message, httpStatus: status, attempts: attempts, retryable: true) }
        }
    }

    /// POSTs `body` with retries: 429 (honouring Retry-After), 5xx and transport errors are
    /// retried with backoff; 401/403 stop the whole run.
    func post(_ path: String, _ body: [UInt8], count: Int) -> Answer {
        let request = HTTPRequest(method: "POST", url: configuration.apiURL + path,
                                  headers: ["\(APIContract.apiKeyHeader): \(configuration.apiKey)", "Content-Type: application/json",
                                            "Accept: application/json"],
                                  body: body)
        var last: (code: String, message: String, status: Int?) = ("not_sent", "not sent", nil)
        for attempt in 1...configuration.retry.maxAttempts {
            if let stopped = stop.stopped {
                return .undelivered(code: "not_sent", message: "not sent: \(stopped.message)", status: nil, attempts: attempt - 1)
            }
            limiter.acquire()
            counters.update { $0.requests += 1; if attempt > 1 { $0.retries += 1 } }
            var retryAfter: Double?
            do throws(HTTPTransportError) {
                let response = try transport.perform(request)
                switch response.status {
                case 200..<300:
                    return .outcomes(BatchResults.outcomes(response.body, count: count))
                case 401, 403:
                    let e = BatchResults.requestError(status: response.status, body: response.body)
                    stop.stop(.authenticationRefused(status: response.status, message: scrub(e.message)))
                    return .undelivered(code: "http_\(response.status)", message: scrub(e.message), status: response.status, attempts: attempt)
                case 429:
                    counters.update { $0.http429 += 1 }
                    retryAfter = RetryPolicy.retryAfter(response.headers["retry-after"])
                    if let retryAfter { limiter.pause(for: retryAfter) }
                    last = ("http_429", "rate limited (HTTP 429)", 429)
                case 500...599:
                    counters.update { $0.http5xx += 1 }
                    let e = BatchResults.requestError(status: response.status, body: response.body)
                    last = ("http_\(response.status)", scrub(e.message), response.status)
                default:
                    let e = BatchResults.requestError(status: response.status, body: response.body)
                    return .refused(status: response.status, code: e.code, message: scrub(e.message))
                }
            } catch {
                counters.update { $0.transportErrors += 1 }
                last = (error.isTimeout ? "timeout" : "transport_error", scrub(error.message), nil)
            }
            if attempt < configuration.retry.maxAttempts {
                sleepSeconds(configuration.retry.delay(afterAttempt: attempt, retryAfter: retryAfter))
            }
        }
        return .undelivered(code: last.code, message: last.message + " (after \(configuration.retry.maxAttempts) attempts)",
                            status: last.status, attempts: configuration.retry.maxAttempts)
    }

    func scrub(_ text: String) -> String {
        configuration.apiKey.isEmpty ? text : text.replacingAll(configuration.apiKey, with: "***")
    }
}

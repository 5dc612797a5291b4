import StreamIO
import ConversionAPI
import CurlHTTP
import JSONCodec
import SyncCore

/// Sends batches for one worker: rate limit, retries with backoff, bisection of rejected
/// batches, and the contact_not_found fallback for events (decisions 3 and 5).
/// (Unchecked: its transport, a curl session, is used by this worker's thread alone.)
final class BatchSender: @unchecked Sendable {
    let transport: HTTPTransport
    let configuration: LoadConfiguration
    let limiter: RequestPacer
    let counters: SharedCounters
    let stop: StopSignal
    let backoff: Backoff

    init(
        transport: HTTPTransport, configuration: LoadConfiguration, limiter: RequestPacer, counters: SharedCounters,
        stop: StopSignal,
        backoff: Backoff? = nil
    ) {
        self.transport = transport
        self.configuration = configuration
        self.limiter = limiter
        self.counters = counters
        self.stop = stop
        self.backoff = backoff ?? Backoff(policy: configuration.retry)
    }

    /// The final result of every record of the batch, in order.
    func send(_ batch: Batch) -> [RecordResult] {
        let results = deliver(batch.endpoint, batch.records)
        guard batch.endpoint == .events else { return results }
        return retryMissingContacts(batch.records, results)
    }

    /// What one POST of a batch came to, after its retries.
    enum Answer {
        case outcomes([ItemOutcome])
        /// A 4xx other than 401/403/404/429: Conversion refused the request as a whole.
        case refused(status: Int, code: String, message: String)
        /// Retries used up (429, 5xx, invalid answers, transport errors), or the run was stopped.
        case undelivered(code: RejectCode, message: String, status: Int?, attempts: Int)

        /// Every attempt ended in a 5xx: the batch may hold a record the server cannot take.
        var isServerFailure: Bool {
            if case .undelivered(_, _, let status?, _) = self { return (500...599).contains(status) }
            return false
        }
    }

    func deliver(_ endpoint: Endpoint, _ records: [PendingRecord]) -> [RecordResult] {
        let answer = post(
            endpoint.path, Batch.body(endpoint, records), count: records.count,
            attempts: configuration.retry.maxAttempts)
        if answer.isServerFailure && records.count > 1 && stop.stopped == nil {
            return bisect(endpoint, records, strikes: 0)
        }
        return interpret(endpoint, records, answer)
    }

    /// A batch whose retries were all spent on 5xx is halved until the record the server
    /// chokes on is alone, so it cannot hold back the rest. Halves get fewer attempts (the
    /// whole batch already had its retries). A record is blamed alone only when the other half
    /// went through; when both halves fail on two levels in a row the server is down rather
    /// than choking on one record, and splitting further would only multiply requests.
    private func bisect(_ endpoint: Endpoint, _ records: [PendingRecord], strikes: Int) -> [RecordResult] {
        counters.update { $0.splits += 1 }
        let middle = records.count / 2
        let halves = [Array(records[..<middle]), Array(records[middle...])]
        let attempts = min(2, configuration.retry.maxAttempts)
        let answers = halves.map { post(endpoint.path, Batch.body(endpoint, $0), count: $0.count, attempts: attempts) }
        let bothFailed = answers.allSatisfy(\.isServerFailure)
        var results: [RecordResult] = []
        for (half, answer) in zip(halves, answers) {
            guard answer.isServerFailure, stop.stopped == nil else {
                results += interpret(endpoint, half, answer)
                continue
            }
            if bothFailed && (half.count == 1 || strikes >= 1) {
                // Nothing in this batch goes through: the server is failing, not one record.
                results += interpret(endpoint, half, answer)
            } else if half.count == 1, case .undelivered(_, let message, let status, let tries) = answer {
                results.append(
                    .reject(
                        code: .serverError,
                        message: "the API answered HTTP \(status ?? 500) for this record alone: \(message)",
                        httpStatus: status, attempts: tries, retryable: true))
            } else {
                results += bisect(endpoint, half, strikes: bothFailed ? strikes + 1 : 0)
            }
        }
        return results
    }

    private func interpret(_ endpoint: Endpoint, _ records: [PendingRecord], _ answer: Answer) -> [RecordResult] {
        switch answer {
        case .outcomes(let outcomes):
            return zip(records, outcomes).map { record, outcome in result(record, outcome) }
        case .refused(let status, let code, let message):
            if code == RejectCode.objectTypeNotFound.rawValue {
                // Not about these records: the type must be created in Conversion first. The
                // run fails; the records are retried by later runs.
                stop.stop(.endpointFailed(status: status, code: code, message: message))
                return records.map { _ in
                    .reject(
                        code: .objectTypeNotFound, message: message, httpStatus: status, attempts: 1, retryable: true)
                }
            }
            if records.count == 1 {
                let reject = RejectCode(code)
                return [
                    .reject(
                        code: reject, message: message, httpStatus: status, attempts: 1, retryable: reject.isRetryable)
                ]
            }
            counters.update { $0.splits += 1 }
            let half = records.count / 2
            return deliver(endpoint, Array(records[..<half])) + deliver(endpoint, Array(records[half...]))
        case .undelivered(let code, let message, let status, let attempts):
            counters.update { $0.undelivered += records.count }
            return records.map { _ in
                .reject(code: code, message: message, httpStatus: status, attempts: attempts, retryable: true)
            }
        }
    }

    /// Why the last attempt did not deliver, for the rejects when none does.
    typealias Failure = (code: RejectCode, message: String, status: Int?)

    /// What one answer means: the batch's answer, or a failure worth another attempt.
    enum Step {
        case answer(Answer)
        case retry(Failure)
    }

    /// POSTs `body` with retries: 429 (honouring Retry-After), 5xx, answers that are not batch
    /// results and transport errors are retried with backoff; 401/403 and a missing endpoint
    /// stop the whole run.
    func post(_ path: String, _ body: [UInt8], count: Int, attempts: Int) -> Answer {
        let request = HTTPRequest(
            method: "POST", url: configuration.apiURL + path,
            headers: [
                HTTPHeader(APIContract.apiKeyHeader, configuration.apiKey), .jsonBody, .acceptJSON,
            ],
            body: body)
        let result = backoff.attempts(attempts) { attempt -> Attempt<Answer, Failure> in
            if let stopped = stop.stopped {
                return .done(
                    .undelivered(
                        code: .notSent, message: "not sent: \(stopped.message)", status: nil, attempts: attempt - 1))
            }
            limiter.acquire()
            counters.update {
                $0.requests += 1
                if attempt > 1 { $0.retries += 1 }
            }
            do throws(HTTPTransportError) {
                let response = try transport.perform(request)
                switch classify(response, path: path, count: count, attempt: attempt) {
                case .answer(let answer): return .done(answer)
                case .retry(let failure): return .retry(failure, after: response)
                }
            } catch {
                counters.update { $0.transportErrors += 1 }
                return .retry((error.isTimeout ? .timeout : .transportError, scrub(error.message), nil), after: nil)
            }
        }
        switch result {
        case .answer(let answer):
            return answer
        case .exhausted(let last, let made):
            return .undelivered(
                code: last.code, message: last.message + " (after \(made) attempts)", status: last.status,
                attempts: made)
        case .cancelled:
            // Nothing cancels cv-load's waits (a stop is seen before the next attempt).
            return .undelivered(code: .notSent, message: "not sent", status: nil, attempts: 0)
        }
    }

    /// An answer by its status: batch results, a refusal of the whole run (401/403, no such
    /// endpoint), a refusal of these records, or a failure another attempt may get past.
    private func classify(_ response: HTTPResponse, path: String, count: Int, attempt: Int) -> Step {
        let status = response.status
        switch status {
        case 200..<300:
            do throws(InvalidAnswer) {
                return .answer(.outcomes(try BatchResults.outcomes(response.body, count: count)))
            } catch {
                counters.update { $0.invalidResponses += 1 }
                let why = "HTTP \(status) answer is not a Conversion batch result: \(scrub(error.reason))"
                return .retry((.invalidResponse, why, status))
            }
        case 429:
            counters.update { $0.http429 += 1 }
            limiter.rateLimited(retryAfter: Backoff.retryAfter(response))
            return .retry((.http(429), "rate limited (HTTP 429)", 429))
        case let status where Backoff.isRetryable(status: status):
            counters.update { $0.http5xx += 1 }
            return .retry(
                (.http(status), scrub(BatchResults.requestError(status: status, body: response.body).message), status))
        default:
            break
        }
        let e = BatchResults.requestError(status: status, body: response.body)
        let message = scrub(e.message)
        // object_type_not_found is Conversion's own 404 about the data: handled per batch.
        let aboutTheData = e.code == RejectCode.objectTypeNotFound.rawValue
        switch status {
        case 401, 403:
            stop.stop(.authenticationRefused(status: status, message: message))
        case 404 where !aboutTheData, 405 where !aboutTheData:
            stop.stop(
                .endpointFailed(
                    status: status, code: e.code,
                    message: "no endpoint POST \(path) at \(configuration.apiURL): \(message)"))
        default:
            return .answer(.refused(status: status, code: e.code, message: message))
        }
        return .answer(.undelivered(code: .http(status), message: message, status: status, attempts: attempt))
    }

    func scrub(_ text: String) -> String { SecretScrubber(secrets: [configuration.apiKey]).scrub(text) }
}

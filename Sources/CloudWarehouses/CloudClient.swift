import CurlHTTP
import JSONCodec
import SyncCore
import Synchronization
import WarehouseCore
import Retrying

#if canImport(Glibc)
    import Glibc
#endif

/// HTTP to one warehouse API: bearer tokens, retries of 429/5xx and dropped connections with
/// backoff, transfers that stop when the run is cancelled, and no secret in any message.
/// (Unchecked: the curl session is used by the extracting thread alone; a cancel only raises
/// `abort` and sends its own request on a session of its own.)
final class CloudClient: @unchecked Sendable {
    let endpoint: String
    let scrubber: SecretScrubber
    let abort = AbortSignal()
    private let session: CurlSession
    private let backoff: Backoff
    private let tokens: TokenSource?
    private let firstDate = Mutex<Int64?>(nil)

    /// The Date header of the first successful answer: the service's clock when the query
    /// started, which becomes the run's start time with no request of its own.
    var firstAnswerDate: Int64? { firstDate.withLock { $0 } }

    init(
        endpoint: String, tokens: TokenSource?, scrubber: SecretScrubber,
        retry: RetryPolicy = RetryPolicy(maxAttempts: 6)
    ) {
        self.endpoint = endpoint
        self.tokens = tokens
        self.scrubber = scrubber
        backoff = Backoff(policy: retry)
        session = CurlSession(
            userAgent: Self.userAgent, connectTimeoutSeconds: 15,
            totalTimeoutSeconds: 600, acceptsCompression: true, abort: abort)
    }

    var isCancelled: Bool { abort.isRaised }

    /// Sends a request, retrying what is worth retrying; any final answer is returned, and the
    /// caller reads the vendor's error body. `authorized: false` is for pre-signed URLs.
    /// `retryURL` replaces `url` from the second attempt on (Snowflake marks resubmissions);
    /// `bodyFile` receives the response body instead of memory, rewritten on each attempt.
    func send(
        _ method: String, _ url: String, headers: [HTTPHeader] = [], body: [UInt8] = [], authorized: Bool = true,
        retryURL: String? = nil, bodyFile: Int32? = nil
    ) throws(ExtractError) -> HTTPResponse {
        var refreshed = false
        let result = try backoff.attempts(cancelled: { abort.isRaised }) {
            attempt throws(ExtractError) -> Attempt<HTTPResponse, Failure> in
            var all = headers
            if authorized, let tokens { all += try tokens.headers(refresh: false) }
            let request = HTTPRequest(
                method: method, url: attempt > 1 ? retryURL ?? url : url, headers: all, body: body)
            if let bodyFile {
                _ = ftruncate(bodyFile, 0)
                _ = lseek(bodyFile, 0, SEEK_SET)
            }
            let response: HTTPResponse
            do throws(HTTPTransportError) {
                response = try session.perform(request, bodyFile: bodyFile)
            } catch {
                if error.isAborted { throw .cancelled(signal: "signal") }
                if error.isPermanent { throw connectionFailed(error.message, attempts: attempt) }
                return .retry(.transport(error.message), after: nil)
            }
            if response.status == 401, authorized, !refreshed, let tokens, tokens.canRefresh {
                refreshed = true
                _ = try tokens.headers(refresh: true)
                return .retryNow
            }
            if (200..<300).contains(response.status), let date = response.headers["date"].flatMap(HTTPDate.epochSeconds)
            {
                firstDate.withLock { if $0 == nil { $0 = date } }
            }
            if Backoff.isRetryable(status: response.status) { return .retry(.answer(response), after: response) }
            return .done(response)
        }
        switch result {
        case .answer(let response), .exhausted(.answer(let response), _):
            // The last retryable answer is the caller's to read, as any other.
            return response
        case .exhausted(.transport(let message), let attempts):
            throw connectionFailed(message, attempts: attempts)
        case .cancelled:
            throw .cancelled(signal: "signal")
        }
    }

    /// Why an attempt was worth another: an answer (429, 5xx) or a failed transfer.
    enum Failure {
        case answer(HTTPResponse)
        case transport(String)
    }

    private func connectionFailed(_ message: String, attempts: Int) -> ExtractError {
        .connectionFailed(
            endpoint: endpoint, reason: scrubber.scrub(message) + (attempts > 1 ? " (after \(attempts) attempts)" : ""))
    }

    static let userAgent = Product.userAgent(tool: "wh-extract")
    static let jsonHeaders: [HTTPHeader] = [.jsonBody, .acceptJSON]

    /// Waits, noticing a cancel within a tenth of a second.
    func pause(_ seconds: Double) throws(ExtractError) {
        guard backoff.wait(seconds, cancelled: { abort.isRaised }) else { throw .cancelled(signal: "signal") }
    }

    /// A short, separate request used after a cancel (the main session's transfers are aborted).
    func sendIgnoringCancel(_ method: String, _ url: String, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        let side = CurlSession(userAgent: Self.userAgent, connectTimeoutSeconds: 5, totalTimeoutSeconds: 10)
        let auth = (try? tokens?.headers(refresh: false)) ?? []
        _ = try? side.perform(HTTPRequest(method: method, url: url, headers: headers + auth, body: body))
    }

    /// A vendor's message as one line of text, without secrets.
    func clean(_ text: String) -> String {
        scrubber.scrub(text).split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map {
            $0.trimmingCharacters(in: " \t")
        }
        .filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The refusal of a credential as the run's error.
    func authenticationError(_ response: HTTPResponse, detail: String) -> ExtractError {
        .connectionFailed(
            endpoint: endpoint, reason: "authentication refused (HTTP \(response.status)): " + clean(detail))
    }

    /// A response that is neither success nor a documented error shape.
    func unexpected(_ response: HTTPResponse, doing what: String) -> ExtractError {
        let text = String(decoding: response.body.prefix(300), as: UTF8.self)
        return .connectionFailed(endpoint: endpoint, reason: "\(what): HTTP \(response.status): " + clean(text))
    }
}

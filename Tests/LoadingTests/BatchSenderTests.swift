import ConversionAPI
import CurlHTTP
import JSONCodec
import SyncCore
import Synchronization
import XCTest

@testable import Loading
import Retrying

/// cv-load's retry and split decisions through its `HTTPTransport` seam: answers scripted as
/// docs/api.md publishes them, waits recorded instead of slept, jitter fixed at its midpoint.
final class BatchSenderTests: XCTestCase {
    /// Answers requests in order from a script, and keeps what it was sent.
    final class ScriptedTransport: HTTPTransport {
        var answers: [Result<HTTPResponse, HTTPTransportError>]
        private(set) var bodies: [String] = []

        init(_ answers: [Result<HTTPResponse, HTTPTransportError>]) { self.answers = answers }

        func perform(_ request: HTTPRequest) throws(HTTPTransportError) -> HTTPResponse {
            bodies.append(String(decoding: request.body, as: UTF8.self))
            guard !answers.isEmpty else { return HTTPResponse(status: 599, body: Array("script ran out".utf8)) }
            return try answers.removeFirst().get()
        }
    }

    final class Waits: Sendable {
        let seconds = Mutex<[Double]>([])
    }

    private func sender(_ transport: ScriptedTransport, attempts: Int = 4, waits: Waits) throws -> BatchSender {
        let configuration = try LoadConfiguration(
            apiURL: "http://127.0.0.1:9", apiKey: "sk_test", rate: 0,
            retry: RetryPolicy(maxAttempts: attempts, baseDelay: 0.5, maxDelay: 30))
        let backoff = Backoff(
            policy: configuration.retry, sleep: { s in waits.seconds.withLock { $0.append(s) } }, random: { $0 / 2 })
        return BatchSender(
            transport: transport, configuration: configuration,
            limiter: RequestPacer(rate: 0, scope: "test", directory: nil),
            counters: SharedCounters(), stop: StopSignal(), backoff: backoff)
    }

    private func contacts(_ n: Int) -> [PendingRecord] {
        (1...n).map { i in
            PendingRecord(
                contactLine:
                    #"{"type":"contact","email":"c\#(i)@x.com","row":\#(i),"key":"contact:email:c\#(i)@x.com"}"#,
                item: #"{"email":"c\#(i)@x.com"}"#)
        }
    }

    private static func ok(_ n: Int) -> Result<HTTPResponse, HTTPTransportError> {
        let results = (0..<n).map { _ in #"{"success":true,"cnvContactId":"id","contactCreated":true}"# }.joined(
            separator: ",")
        return .success(HTTPResponse(status: 200, body: Array(#"{"data":{"results":[\#(results)]}}"#.utf8)))
    }

    private static func status(_ code: Int, _ headers: [String: String] = [:], error: String = "internal_error")
        -> Result<HTTPResponse, HTTPTransportError>
    {
        .success(
            HTTPResponse(
                status: code, headers: headers, body: Array(#"{"error":{"code":"\#(error)","message":"m"}}"#.utf8)))
    }

    private static func acked(_ results: [RecordResult]) -> Int {
        results.filter { if case .ack = $0 { return true } else { return false } }.count
    }

    /// Per tenth of a second, as Backoff sleeps, summed back to whole waits.
    private static func total(_ waits: Waits) -> Double {
        (waits.seconds.withLock { $0 }.reduce(0, +) * 1000).rounded() / 1000
    }

    func testServerErrorsAreRetriedWithBackoffAndRetryAfterIsHonoured() throws {
        let waits = Waits()
        let transport = ScriptedTransport([
            Self.status(503), Self.status(429, ["retry-after": "2"], error: "rate_limited"),
            Self.status(502, ["retry-after": "0.3"]), Self.ok(3),
        ])
        let s = try sender(transport, waits: waits)
        let results = s.send(Batch(endpoint: .contacts, records: contacts(3)))
        XCTAssertEqual(Self.acked(results), 3)
        XCTAssertEqual(transport.bodies.count, 4, "the same batch, four times")
        // After attempt 1: half of 0.5 s; then the 429's 2 s and the 502's 0.3 s as the server said.
        XCTAssertEqual(Self.total(waits), 0.25 + 2 + 0.3)
        let stats = s.counters.snapshot
        XCTAssertEqual([stats.requests, stats.retries, stats.http429, stats.http5xx], [4, 3, 1, 2])
    }

    func testAnAnswerThatIsNotABatchResultIsRetriedNeverAcknowledged() throws {
        let waits = Waits()
        let html = Result<HTTPResponse, HTTPTransportError>.success(
            HTTPResponse(status: 200, body: Array("<html>".utf8)))
        let s = try sender(ScriptedTransport([html, html]), attempts: 2, waits: waits)
        let results = s.send(Batch(endpoint: .contacts, records: contacts(2)))
        XCTAssertEqual(Self.acked(results), 0)
        for result in results {
            guard case .reject(let code, _, _, let attempts, let retryable) = result else {
                return XCTFail("\(result)")
            }
            XCTAssertEqual([code.rawValue, "\(attempts)", "\(retryable)"], ["invalid_response", "2", "true"])
        }
        XCTAssertEqual(s.counters.snapshot.invalidResponses, 2)
    }

    func testARefusedBatchIsHalvedUntilTheRecordAtFaultIsAlone() throws {
        let waits = Waits()
        // 4 records refused whole (400); halves: the first goes through, the second is refused;
        // its halves: one goes through, the other is refused alone.
        let transport = ScriptedTransport([
            Self.status(400, error: "invalid_field"), Self.ok(2), Self.status(400, error: "invalid_field"),
            Self.ok(1), Self.status(400, error: "invalid_field"),
        ])
        let s = try sender(transport, waits: waits)
        let results = s.send(Batch(endpoint: .contacts, records: contacts(4)))
        XCTAssertEqual(Self.acked(results), 3)
        guard case .reject(let code, _, let status, _, let retryable) = results[3] else {
            return XCTFail("\(results[3])")
        }
        XCTAssertEqual([code.rawValue, "\(status ?? 0)", "\(retryable)"], ["invalid_field", "400", "false"])
        XCTAssertEqual(Self.total(waits), 0, "a refusal is not waited on")
    }

    func testTransportErrorsAreRetriedWithBackoff() throws {
        let waits = Waits()
        let dropped = Result<HTTPResponse, HTTPTransportError>.failure(
            HTTPTransportError(code: 56, message: "connection reset", isTimeout: false))
        let s = try sender(ScriptedTransport([dropped, dropped, Self.ok(1)]), attempts: 3, waits: waits)
        XCTAssertEqual(Self.acked(s.send(Batch(endpoint: .contacts, records: contacts(1)))), 1)
        XCTAssertEqual(Self.total(waits), 0.25 + 0.5, "half of 0.5 s, then half of 1 s")
        XCTAssertEqual(s.counters.snapshot.transportErrors, 2)
    }
}

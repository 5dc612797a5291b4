import CurlHTTP
import SyncCore
import Synchronization
import XCTest
import Retrying

final class BackoffTests: XCTestCase {
    final class Sleeps: Sendable {
        let seconds = Mutex<[Double]>([])
        var all: [Double] { seconds.withLock { $0 } }
    }

    private func backoff(_ sleeps: Sleeps) -> Backoff {
        Backoff(
            policy: RetryPolicy(maxAttempts: 6, baseDelay: 0.5, maxDelay: 4),
            sleep: { s in sleeps.seconds.withLock { $0.append(s) } }, random: { $0 })
    }

    /// The one retry loop: the caller classifies, the loop waits (Retry-After first) and counts;
    /// a renewed credential retries at once and may go past the limit; a cancel ends the waits.
    func testTheRetryLoopWaitsCountsAndStops() {
        let sleeps = Sleeps()
        let b = backoff(sleeps)
        var seen: [Int] = []
        let exhausted = b.attempts(3) { n -> Attempt<String, String> in
            seen.append(n)
            return .retry(
                "failure \(n)", after: n == 2 ? HTTPResponse(status: 429, headers: ["retry-after": "3"]) : nil)
        }
        guard case .exhausted(let last, let made) = exhausted else { return XCTFail("\(exhausted)") }
        XCTAssertEqual([last, String(made)], ["failure 3", "3"])
        XCTAssertEqual(seen, [1, 2, 3])
        XCTAssertEqual(sleeps.all.reduce(0, +), 0.5 + 3, "0.5 s after the first, the server's 3 s after the second")

        var renewed = false
        let answered = b.attempts(1) { n -> Attempt<Int, String> in
            if !renewed {
                renewed = true
                return .retryNow
            }
            return .done(n)
        }
        guard case .answer(let number) = answered else { return XCTFail("\(answered)") }
        XCTAssertEqual(number, 2, "the retry after a renewal is allowed past a limit of one")

        let cancelled = b.attempts(5, cancelled: { true }) { _ -> Attempt<Int, String> in .retry("x", after: nil) }
        guard case .cancelled = cancelled else { return XCTFail("\(cancelled)") }
    }

    func testOneTableOfStatusesWorthRetrying() {
        XCTAssertEqual(
            [200, 400, 401, 404, 409, 422, 429, 500, 501, 503, 599].filter { Backoff.isRetryable(status: $0) },
            [429, 500, 501, 503, 599])
    }

    func testExponentialCeilingsAndTheServersRetryAfter() {
        let b = backoff(Sleeps())
        // random gives the ceiling itself here: 0.5 · 2^(attempt-1), capped at 4.
        XCTAssertEqual((1...6).map { b.delay(afterAttempt: $0) }, [0.5, 1, 2, 4, 4, 4])
        XCTAssertEqual(b.delay(afterAttempt: 1, response: HTTPResponse(status: 429, headers: ["retry-after": "7"])), 7)
        XCTAssertEqual(
            b.delay(afterAttempt: 1, response: HTTPResponse(status: 503, headers: ["retry-after": "99"])), 16,
            "a server's wait is capped at four times the longest backoff")
        XCTAssertEqual(
            b.delay(afterAttempt: 2, response: HTTPResponse(status: 503, headers: ["retry-after": "soon"])), 1,
            "an unreadable Retry-After is ignored")
        XCTAssertEqual(
            Backoff.retryAfter(HTTPResponse(status: 429, headers: ["retry-after": "Sun, 06 Nov 1994 08:49:37 GMT"])), 0,
            "a date in the past means now")
    }

    func testWaitsInSlicesAndStopsAtACancel() {
        let sleeps = Sleeps()
        XCTAssertTrue(backoff(sleeps).wait(0.25))
        XCTAssertEqual(sleeps.all.map { ($0 * 100).rounded() / 100 }, [0.1, 0.1, 0.05])
        let cancelled = Sleeps()
        var looks = 0
        XCTAssertFalse(
            backoff(cancelled).wait(10) {
                looks += 1
                return looks > 3
            })
        XCTAssertEqual(cancelled.all.count, 3, "stopped within a slice of the cancel, not after 10 s")
    }
}

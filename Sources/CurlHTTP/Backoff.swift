import SyncCore
import Retrying

/// How every HTTP client here waits before trying a request again: one table of the statuses
/// worth retrying, the server's Retry-After when it gives one, else exponential backoff with
/// full jitter. The sleep and the random source are injected, so tests run without waiting and
/// see the same delays every time.
public struct Backoff: Sendable {
    public var policy: RetryPolicy
    /// Sleeps the given seconds (called in slices of at most `slice`, so a cancel is seen).
    public var sleep: @Sendable (Double) -> Void
    /// A uniform value in 0...upper.
    public var random: @Sendable (_ upper: Double) -> Double

    /// The longest single sleep between two looks at a cancel.
    public static let slice = 0.1

    public init(
        policy: RetryPolicy, sleep: @escaping @Sendable (Double) -> Void = sleepSeconds,
        random: @escaping @Sendable (Double) -> Double = { Double.random(in: 0...$0) }
    ) {
        self.policy = policy
        self.sleep = sleep
        self.random = random
    }

    /// 429 (rate limited) and every 5xx: the answers that say "not now" rather than "not this".
    public static func isRetryable(status: Int) -> Bool { status == 429 || (500...599).contains(status) }

    /// Seconds to wait before attempt `attempt + 1`, after `response` if there was one.
    public func delay(afterAttempt attempt: Int, response: HTTPResponse? = nil) -> Double {
        policy.delay(afterAttempt: attempt, retryAfter: Self.retryAfter(response), random: random)
    }

    /// The server's Retry-After, in seconds.
    public static func retryAfter(_ response: HTTPResponse?) -> Double? {
        RetryPolicy.retryAfter(response?.headers["retry-after"])
    }

    /// Waits `seconds`; false, at once, when `cancelled` says so.
    public func wait(_ seconds: Double, cancelled: () -> Bool = { false }) -> Bool {
        var left = seconds
        while left > 0 {
            if cancelled() { return false }
            sleep(min(left, Self.slice))
            left -= Self.slice
        }
        return !cancelled()
    }
}

/// What one attempt of a request came to, as the caller's classification says.
public enum Attempt<Answer, Failure> {
    /// A final answer: no more attempts.
    case done(Answer)
    /// Worth another attempt after the backoff (and the server's Retry-After, from `after`).
    case retry(Failure, after: HTTPResponse?)
    /// Worth another attempt at once, one that may go past the limit (a credential was just
    /// renewed: the caller allows it once).
    case retryNow
}

/// How a run of attempts ended.
public enum AttemptsResult<Answer, Failure> {
    case answer(Answer)
    /// Every attempt failed: the last one's failure, and how many were made.
    case exhausted(Failure, attempts: Int)
    /// `cancelled` said so while waiting between attempts.
    case cancelled
}

extension Backoff {
    /// The one retry loop of every HTTP client here: up to `attempts` (the policy's count by
    /// default) calls of `attempt`, each given its number, with a backoff wait between them
    /// (the server's Retry-After first). What is retryable is the caller's to say, through the
    /// `Attempt` it returns.
    public func attempts<Answer, Failure, E: Error>(
        _ attempts: Int? = nil, cancelled: () -> Bool = { false },
        _ attempt: (_ number: Int) throws(E) -> Attempt<Answer, Failure>
    ) throws(E) -> AttemptsResult<Answer, Failure> {
        let limit = attempts ?? policy.maxAttempts
        var number = 0
        while true {
            number += 1
            switch try attempt(number) {
            case .done(let answer):
                return .answer(answer)
            case .retryNow:
                continue
            case .retry(let failure, let response):
                if number >= limit { return .exhausted(failure, attempts: number) }
                guard wait(delay(afterAttempt: number, response: response), cancelled: cancelled) else {
                    return .cancelled
                }
            }
        }
    }
}

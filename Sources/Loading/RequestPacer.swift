import Hashing
import RedisClient
import Retrying
import SyncCore
import Synchronization

/// When each request may go: at most the API's limit in any window (SendWindow), kept in a
/// budget that every cv-load using the same key and URL shares: on this host through a file
/// (HostWindow), across hosts through Redis (RedisWindow) when a budget URL is given, with the
/// host's file as the fallback whenever Redis does not answer, so nothing stalls or is dropped.
///
/// The window is a little longer than the limit's: a request reaches the server a moment after
/// its reserved time, and not every request by the same moment. That pad starts at 5% (so a
/// run takes about 1.05 times the API's own floor) and grows by 5 points, up to 30%, each time
/// the server still answers 429; Retry-After pauses everyone sharing the budget.
final class RequestPacer: Sendable {
    static let firstPad = 0.05
    static let padStep = 0.05
    static let maxPad = 0.30

    private let shape: RateShape?
    private let host: HostWindow
    private let shared: RedisWindow?
    private let pad = Mutex(firstPad)
    /// Whether the last reservation went to Redis: after a switch to the host's window, one
    /// window's pause, as the host's file does not know what Redis lent out.
    private let onShared = Atomic<Bool>(false)

    var padFraction: Double { pad.withLock { $0 } }

    /// `rate` requests per second (0: no limit); `scope` names the key and URL the budget
    /// belongs to (hashed: never the key itself in a file name or a Redis key).
    init(
        rate: Double, scope: String, directory: String?, redis: RedisEndpoint? = nil, redisPassword: String? = nil,
        say: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        shape = RateShape(rate: rate)
        // Tells budgets apart without revealing the key.
        let name = FNV1a.hex(scope)
        host = HostWindow(directory: shape == nil ? nil : directory, name: name)
        shared =
            shape == nil ? nil : redis.map { RedisWindow(endpoint: $0, password: redisPassword, name: name, say: say) }
    }

    /// Blocks until the caller may send.
    func acquire() {
        guard let shape else { return }
        let window = Int64(Double(shape.window) * (1 + padFraction))
        let wait: Int64
        if let shared, let answer = shared.reserve(limit: shape.limit, window: window) {
            onShared.store(true, ordering: .relaxed)
            wait = answer
        } else {
            if onShared.exchange(false, ordering: .relaxed) { host.pause(nanoseconds: window) }
            wait = host.reserve(limit: shape.limit, window: window)
        }
        if wait > 0 { sleepSeconds(Double(wait) / 1e9) }
    }

    /// A 429 came: the window grows (up to its cap), and with Retry-After every process sharing
    /// the budget holds off that long.
    func rateLimited(retryAfter seconds: Double?) {
        guard shape != nil else { return }
        pad.withLock { $0 = min(Self.maxPad, $0 + Self.padStep) }
        guard let seconds else { return }
        let delay = Int64(min(seconds, 120) * 1e9)
        if shared?.pause(nanoseconds: delay) != true { host.pause(nanoseconds: delay) }
    }
}

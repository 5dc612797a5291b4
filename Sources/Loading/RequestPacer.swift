import SyncCore
import Synchronization
import Retrying

#if canImport(Glibc)
    import Glibc
#endif

/// Spaces requests evenly, a safety margin below the API's limit, and shares that schedule
/// with every other cv-load on this machine that uses the same API key and URL (several syncs
/// of one workspace often run at once; the limit is per key, not per process).
///
/// The schedule is one 8-byte slot file, "next free send time" on CLOCK_MONOTONIC (the same
/// clock for every process of the machine), read and advanced under `flock`. A server that
/// counts any one-second window sees at most the limit even when requests reach it unevenly
/// (a late wake-up, a server that reads requests in bursts): at 80% of the limit, one request
/// more than the limit spans 1.25 s, so it takes a quarter second of jitter to be refused.
/// (At 90%, the fault campaign still saw one 429 in about 50 requests.) Without a usable slot
/// file the schedule is per process.
final class RequestPacer: Sendable {
    /// Fraction of the configured rate actually used.
    static let margin = 0.8
    /// A stored slot further ahead than this is stale (a reboot reset the clock): ignored.
    static let staleAfterNanoseconds: Int64 = 120_000_000_000

    private let interval: Int64
    private let fd: Int32
    /// This process's own schedule, also the lock around the shared one.
    private let localNext = Mutex<Int64>(0)
    let sharedPath: String?

    /// `rate` requests per second (0: no limit); `scope` names the key and URL the budget
    /// belongs to (hashed: never the key itself in a file name).
    init(rate: Double, scope: String, directory: String?) {
        interval = rate > 0 ? Int64(1e9 / (rate * Self.margin)) : 0
        guard rate > 0, let directory else {
            fd = -1
            sharedPath = nil
            return
        }
        let path = "\(directory)/cv-load-budget-\(Self.fingerprint(scope)).slot"
        let opened = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        fd = opened
        sharedPath = opened >= 0 ? path : nil
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Blocks until the caller may send.
    func acquire() {
        guard interval > 0 else { return }
        let wait = advance { now, next in
            let slot = max(now, next)
            return (slot + interval, slot - now)
        }
        if wait > 0 { sleepSeconds(Double(wait) / 1e9) }
    }

    /// Pushes every later request back (a 429 with Retry-After), for all processes sharing the budget.
    func pause(for seconds: Double) {
        guard interval > 0 else { return }
        let delay = Int64(min(seconds, 120) * 1e9)
        _ = advance { now, next in (max(next, now + delay), 0) }
    }

    /// Reads the next free slot, lets `body` move it, stores it: atomically across threads
    /// (the mutex) and processes (flock on the slot file).
    private func advance(_ body: (_ now: Int64, _ next: Int64) -> (next: Int64, result: Int64)) -> Int64 {
        localNext.withLock { localNext in
            let now = Self.now()
            guard fd >= 0, flock(fd, LOCK_EX) == 0 else {
                let (next, result) = body(now, localNext)
                localNext = next
                return result
            }
            defer { flock(fd, LOCK_UN) }
            var stored: Int64 = 0
            if pread(fd, &stored, 8, 0) != 8 || stored - now > Self.staleAfterNanoseconds { stored = 0 }
            let (next, result) = body(now, max(stored, localNext))
            var value = next
            _ = pwrite(fd, &value, 8, 0)
            localNext = next
            return result
        }
    }

    private static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// FNV-1a, 64 bits, as hex: tells budgets apart without revealing the key.
    static func fingerprint(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

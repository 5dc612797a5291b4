import SyncCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A budget's SendWindow for one host: in a small file that every cv-load of the machine using
/// the same key and URL reads and rewrites under `flock` (several syncs of one workspace often
/// run at once; the limit is per key, not per process), on CLOCK_MONOTONIC, the one clock all
/// of the host's processes share. Without a usable file the window is this process's own.
final class HostWindow: Sendable {
    /// A stored time further ahead than this is from before a reboot: forgotten.
    static let horizon: Int64 = 120_000_000_000

    private let fd: Int32
    /// This process's copy, also the lock around the shared one.
    private let local = Mutex(SendWindow())

    /// `name` tells budgets apart (a fingerprint, never the key); no `directory`: private.
    init(directory: String?, name: String) {
        fd = directory.map { open("\($0)/cv-load-budget-\(name).window", O_RDWR | O_CREAT | O_CLOEXEC, 0o600) } ?? -1
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Reserves the next send under `limit` per `window`; returns the nanoseconds to wait.
    func reserve(limit: Int, window: Int64) -> Int64 {
        update { sends, now in sends.reserve(now: now, limit: limit, window: window) - now }
    }

    /// Nothing is sent for `nanoseconds`, by any process sharing the window.
    func pause(nanoseconds: Int64) {
        _ = update { sends, now in
            sends.pause(until: now + nanoseconds)
            return 0
        }
    }

    /// Reads the window, lets `body` change it, stores it: atomically across threads (the
    /// mutex) and processes (flock on the file).
    private func update(_ body: (inout SendWindow, _ now: Int64) -> Int64) -> Int64 {
        local.withLock { local in
            let now = Self.now()
            guard fd >= 0, flock(fd, LOCK_EX) == 0 else { return body(&local, now) }
            defer { flock(fd, LOCK_UN) }
            var words = [Int64](repeating: 0, count: 2 + SendWindow.capacity)
            let read = pread(fd, &words, words.count * 8, 0)
            var sends = read >= 16 ? SendWindow(words: Array(words.prefix(read / 8))) ?? SendWindow() : SendWindow()
            sends.forgetStale(now: now, horizon: Self.horizon)
            let result = body(&sends, now)
            var stored = sends.words
            _ = pwrite(fd, &stored, stored.count * 8, 0)
            local = sends
            return result
        }
    }

    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// A mutual-exclusion lock whose waiters sleep at once. `Synchronization.Mutex` is a
/// priority-inheritance futex on Linux, and the kernel spins a waiter while the holder runs:
/// with a long critical section (a SQLite transaction) and as many waiters as cores, that
/// spinning took a tenth of the emulator's CPU from the process it serves on the same machine.
/// (Unchecked: the state it guards is the caller's, only touched inside `withLock`.)
public final class SleepingLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// A bounded multi-producer, multi-consumer queue: producers block when it is full, which is
/// what keeps a fast reader from holding more than a few batches in memory.
/// (Unchecked: its state is guarded by a pthread mutex with two condition variables, which
/// `Synchronization.Mutex` cannot wait on.)
public final class BlockingQueue<Element>: @unchecked Sendable {
    private var items: [Element] = []
    private var closed = false
    private let capacity: Int
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let notEmpty = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let notFull = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(notEmpty, nil)
        pthread_cond_init(notFull, nil)
    }

    deinit {
        pthread_cond_destroy(notEmpty)
        pthread_cond_destroy(notFull)
        pthread_mutex_destroy(mutex)
        notEmpty.deallocate()
        notFull.deallocate()
        mutex.deallocate()
    }

    public func push(_ item: Element) {
        pthread_mutex_lock(mutex)
        while items.count >= capacity && !closed { pthread_cond_wait(notFull, mutex) }
        items.append(item)
        pthread_cond_signal(notEmpty)
        pthread_mutex_unlock(mutex)
    }

    /// The next item, or nil once the queue is closed and drained.
    public func pop() -> Element? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while items.isEmpty && !closed { pthread_cond_wait(notEmpty, mutex) }
        guard !items.isEmpty else { return nil }
        let item = items.removeFirst()
        pthread_cond_signal(notFull)
        return item
    }

    public func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(notEmpty)
        pthread_cond_broadcast(notFull)
        pthread_mutex_unlock(mutex)
    }
}

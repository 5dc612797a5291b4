/// The send times of the latest requests under one budget, and the rule that places the next:
/// never more than `limit` inside any `window`, never before a pause that a 429 asked for, and
/// never before an earlier reservation (so times only grow, and a window checked at each
/// reservation holds for every window). A server that counts any sliding second sees at most
/// its limit, while a burst up to the limit goes out at once instead of being spread thin.
///
/// The same rule runs in Redis (RedisWindow's script) for budgets shared across hosts.
struct SendWindow: Equatable {
    /// Reservations kept: enough for any limit a budget uses (see `RateShape`).
    static let capacity = 64

    /// Ascending, at most `capacity`, in nanoseconds of the clock the caller uses.
    private(set) var slots: [Int64] = []
    private(set) var notBefore: Int64 = 0

    init() {}

    init(slots: [Int64], notBefore: Int64) {
        self.slots = Array(slots.suffix(Self.capacity))
        self.notBefore = notBefore
    }

    /// Reserves the first send time at or after `now` that keeps the rule, and returns it.
    mutating func reserve(now: Int64, limit: Int, window: Int64) -> Int64 {
        var slot = max(now, notBefore, slots.last ?? 0)
        if slots.count >= limit { slot = max(slot, slots[slots.count - limit] + window) }
        slots.append(slot)
        if slots.count > Self.capacity { slots.removeFirst(slots.count - Self.capacity) }
        return slot
    }

    /// Nothing is sent before `time` (a Retry-After).
    mutating func pause(until time: Int64) { notBefore = max(notBefore, time) }

    /// Times further ahead of `now` than `horizon` came from another clock (a reboot restarted
    /// the monotonic one, a Redis host changed its time): forgotten rather than waited for.
    mutating func forgetStale(now: Int64, horizon: Int64) {
        if (slots.last ?? 0) - now > horizon || notBefore - now > horizon { self = SendWindow() }
    }

    /// The file layout a host's processes share: count, notBefore, then the slots; native
    /// 64-bit integers (the file never leaves the host).
    var words: [Int64] { [Int64(slots.count), notBefore] + slots }

    init?(words: [Int64]) {
        guard words.count >= 2, words[0] >= 0, Int(words[0]) <= Self.capacity, words.count >= 2 + Int(words[0])
        else { return nil }
        let slots = Array(words[2..<(2 + Int(words[0]))])
        guard zip(slots, slots.dropFirst()).allSatisfy({ $0 <= $1 }) else { return nil }
        self.init(slots: slots, notBefore: words[1])
    }
}

/// A rate in requests per second as the window rule takes it: `limit` requests per `window`
/// nanoseconds, the same average. Up to 64 a window (a faster rate is spread over shorter
/// windows); a rate under one a second is one request per longer window.
struct RateShape: Equatable {
    var limit: Int
    var window: Int64

    init?(rate: Double) {
        guard rate > 0, rate.isFinite else { return nil }
        limit = max(1, min(SendWindow.capacity, Int(rate.rounded(.down))))
        window = Int64((Double(limit) / rate * 1e9).rounded(.up))
    }
}

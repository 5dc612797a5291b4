import TimeFormats
import SyncCore

#if canImport(Glibc)
    import Glibc
#endif

/// Exponential backoff with full jitter (delay = random(0, min(cap, base·2^attempt))), unless
/// the server said how long to wait with Retry-After.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Double
    public var maxDelay: Double

    public init(maxAttempts: Int = 6, baseDelay: Double = 0.5, maxDelay: Double = 30) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Seconds to wait before attempt `attempt + 1` (attempts count from 1); `random` gives a
    /// uniform value in 0...upper.
    public func delay(afterAttempt attempt: Int, retryAfter: Double?, random: (_ upper: Double) -> Double) -> Double {
        if let retryAfter { return min(max(retryAfter, 0), maxDelay * 4) }
        return random(min(maxDelay, baseDelay * Double(1 << min(attempt - 1, 20))))
    }

    /// Parses a Retry-After value: delay-seconds, or an HTTP date (RFC 9110 IMF-fixdate).
    public static func retryAfter(_ value: String?, now: Double = Double(time(nil))) -> Double? {
        guard let value = value?.trimmingSpaces(), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return seconds }
        guard let epoch = HTTPDate.epochSeconds(value) else { return nil }
        return max(0, Double(epoch) - now)
    }
}

/// HTTP dates (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"): Retry-After values and
/// the Date header, which tells a server's clock.
public enum HTTPDate {
    public static func epochSeconds(_ value: String) -> Int64? {
        let parts = value.trimmingSpaces().split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]),
            let month = months.firstIndex(of: String(parts[2])),
            let year = Int(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        return UTCTimestamp.days(year: year, month: month + 1, day: day) * 86400
            + Int64(clock[0] * 3600 + clock[1] * 60 + clock[2])
    }
}

public func sleepSeconds(_ seconds: Double) {
    guard seconds > 0 else { return }
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Monotonic seconds, for rates and durations.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Shows "N rows, R rows/s" on a terminal every half second; costs one branch per item elsewhere.
public struct ProgressMeter {
    public let unit: String
    public let started = monotonicSeconds()
    private let diagnostics: Diagnostics
    private var nextCheck = 4096
    private var lastShown: Double

    public init(unit: String, diagnostics: Diagnostics) {
        self.unit = unit
        self.diagnostics = diagnostics
        self.lastShown = started
    }

    public var elapsed: Double { monotonicSeconds() - started }

    @inline(__always)
    public mutating func tick(_ count: Int) {
        if count >= nextCheck { show(count) }
    }

    private mutating func show(_ count: Int) {
        nextCheck = count + 4096
        guard diagnostics.isTerminal else {
            nextCheck = Int.max
            return
        }
        let now = monotonicSeconds()
        guard now - lastShown >= 0.5 else { return }
        lastShown = now
        diagnostics.progress("\(count) \(unit), \(Self.rate(count, now - started)) \(unit)/s")
    }

    public static func rate(_ count: Int, _ seconds: Double) -> Int {
        seconds > 0 ? Int((Double(count) / seconds).rounded()) : count
    }
}

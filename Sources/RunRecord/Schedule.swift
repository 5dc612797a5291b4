import StreamIO

/// When a sync with a `SCHEDULE` is next due. The schedule's clock is the host's, so it is
/// read defensively: a last start in the future (the clock stepped back) never stalls the sync,
/// and a run that failed for a reason outside its rows is tried again before the next interval.
public struct Schedule: Sendable, Equatable {
    /// Seconds between runs; `SCHEDULE` of 15m, 1h, 6h or 1d.
    public let interval: Int64

    public init?(_ text: String) {
        switch text {
        case "15m": interval = 900
        case "1h": interval = 3600
        case "6h": interval = 21_600
        case "1d": interval = 86_400
        default: return nil
        }
    }

    /// The last scheduled start the driver wrote (state/NAME/last_start), if any.
    public static func lastStart(stateFolder: String) -> Int64? {
        (try? TextFile.read(stateFolder + "/last_start")).flatMap { Int64($0.trimmingCharacters(in: " \n")) }
    }

    public struct Due: Sendable, Equatable {
        /// The Unix time it is due at (≤ now: due now).
        public var at: Int64
        /// Why it is due sooner than a full interval after its last start, if it is.
        public var why: String?
    }

    /// `lastStart` is the last scheduled start (state/NAME/last_start); `history` the sync's runs.
    public func nextDue(lastStart: Int64?, history: [HistoryLine], now: Int64) -> Due {
        guard let lastStart else { return Due(at: now, why: nil) }
        if lastStart > now + 60 {
            return Due(at: now, why: "its last start lies in the future (the clock went back): due now")
        }
        let failures = Self.failuresInARow(history)
        guard failures > 0 else { return Due(at: lastStart + interval, why: nil) }
        // 1, 2, 4 … minutes after the failed start, never later than the interval.
        let backoff = min(interval, 60 << Int64(min(failures - 1, 20)))
        let runs = failures == 1 ? "1 failed run" : "\(failures) failed runs in a row"
        return Due(
            at: lastStart + backoff,
            why: backoff < interval ? "\(runs): tried again \(backoff / 60)m after the last start" : nil)
    }

    /// Scheduled runs at the end of the history that failed (manual ones and skips do not count).
    static func failuresInARow(_ history: [HistoryLine]) -> Int {
        var count = 0
        for line in history.reversed() where !line.manual && line.status != RunStatus.skipped.rawValue {
            guard line.runStatus == .failed else { break }
            count += 1
        }
        return count
    }
}

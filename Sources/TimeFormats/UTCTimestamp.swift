import JSONCodec

/// Conversion of warehouse timestamp text to RFC 3339 UTC (`2026-05-01T12:00:00Z`, fraction only
/// when non-zero), the one form every stream carries (DESIGN.md §2).
public enum UTCTimestamp {
    /// Rewrites `YYYY-MM-DD[T| ]HH:MM[:SS[.f…]][Z|±HH[[:]MM]| UTC]` into `out` as RFC 3339 UTC,
    /// converting offsets to UTC. Text without a zone is taken as UTC. Returns false, writing
    /// nothing, when the text is not of that form.
    public static func rewrite<Output: ByteOutput & ~Copyable>(_ text: Span<UInt8>, into out: inout Output) -> Bool {
        guard var t = Parsed(text) else { return false }
        if t.offsetSeconds != 0 { t.shiftToUTC() }
        guard (1...9999).contains(t.year) else { return false }
        t.write(into: &out)
        return true
    }

    public static func rfc3339(_ text: String) -> String? {
        var copy = text
        var out: [UInt8] = []
        let ok = copy.withUTF8 { rewrite($0.span, into: &out) }
        return ok ? String(decoding: out, as: UTF8.self) : nil
    }

    /// The Unix time (whole seconds) of a timestamp of the form `rewrite` reads; nil otherwise.
    public static func epochSeconds(_ text: String) -> Int64? {
        var copy = text
        return copy.withUTF8 { bytes -> Int64? in
            guard var t = Parsed(bytes.span) else { return nil }
            if t.offsetSeconds != 0 { t.shiftToUTC() }
            return days(year: t.year, month: t.month, day: t.day) * 86_400
                + Int64(t.hour * 3600 + t.minute * 60 + t.second)
        }
    }

    /// RFC 3339 UTC for a Unix time in seconds plus nanoseconds.
    public static func rfc3339(epochSeconds: Int64, nanoseconds: Int = 0) -> String {
        var out: [UInt8] = []
        _ = write(epochSeconds: epochSeconds, nanoseconds: nanoseconds, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes a Unix time (seconds plus 0…999,999,999 ns) as RFC 3339 UTC; false, writing
    /// nothing, when the year falls outside 1…9999.
    public static func write<Output: ByteOutput & ~Copyable>(
        epochSeconds: Int64, nanoseconds: Int, into out: inout Output
    ) -> Bool {
        var days = epochSeconds / 86400
        var secs = epochSeconds % 86400
        if secs < 0 {
            secs += 86400
            days -= 1
        }
        let (y, m, d) = civil(fromDays: days)
        guard (1...9999).contains(y) else { return false }
        var t = Parsed(
            year: y, month: m, day: d, hour: Int(secs / 3600), minute: Int(secs / 60 % 60), second: Int(secs % 60))
        t.nanoseconds = nanoseconds
        t.write(into: &out)
        return true
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    public static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public static func civil(fromDays z0: Int64) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), Int(m), Int(d))
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

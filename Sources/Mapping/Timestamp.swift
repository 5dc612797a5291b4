import JSONCodec
import SyncCore

/// Event timestamps and datetime fields, always emitted as RFC 3339 UTC.
///
/// Strings: RFC 3339 / ISO 8601 with or without zone (no zone means UTC), `YYYY-MM-DD HH:MM:SS[.fff]`,
/// or a bare date (midnight UTC). Numbers: Unix time; an absolute value below 100,000,000,000 is
/// seconds (that is up to the year 5138), anything larger is milliseconds. Fractions are kept.
enum Timestamp {
    static let millisecondThreshold: UInt64 = 100_000_000_000

    static func write(_ tape: JSONTape, _ token: Int, into out: inout ByteBuffer) -> Bool {
        let t = tape[token]
        switch t.kind {
        case .string:
            if t.hasEscapes {
                var decoded = tape.decodeString(token)
                return decoded.withUTF8 { UTCTimestamp.rewrite($0, into: &out) }
            }
            return UTCTimestamp.rewrite(tape.rawBytes(token), into: &out)
        case .number:
            guard let (seconds, nanos) = epoch(tape.rawBytes(token)) else { return false }
            guard seconds > -62_135_596_800, seconds < 253_402_300_800 else { return false }
            var text = UTCTimestamp.rfc3339(epochSeconds: seconds, nanoseconds: nanos)
            text.withUTF8 { out.append(contentsOf: $0) }
            return true
        default:
            return false
        }
    }

    /// Splits `-?digits(.digits)?` into seconds and nanoseconds; nil for exponents or overflow.
    static func epoch(_ raw: UnsafeBufferPointer<UInt8>) -> (Int64, Int)? {
        var i = 0
        let negative = raw.first == UInt8(ascii: "-")
        if negative { i = 1 }
        var whole: UInt64 = 0
        var digits = 0
        while i < raw.count, raw[i] &- 48 < 10 {
            guard digits < 18 else { return nil }
            whole = whole * 10 + UInt64(raw[i] - 48)
            digits += 1
            i += 1
        }
        var fraction: [UInt8] = []
        if i < raw.count, raw[i] == UInt8(ascii: ".") {
            i += 1
            while i < raw.count, raw[i] &- 48 < 10 { fraction.append(raw[i] - 48); i += 1 }
        }
        guard i == raw.count, digits > 0 else { return nil }
        let isMillis = whole >= millisecondThreshold
        let scale = isMillis ? 6 : 9          // fraction digits that fit in nanoseconds
        var nanos = 0
        for k in 0..<scale { nanos = nanos * 10 + (k < fraction.count ? Int(fraction[k]) : 0) }
        var seconds = Int64(isMillis ? whole / 1000 : whole)
        if isMillis { nanos += Int(whole % 1000) * 1_000_000 }
        if negative {
            seconds = -seconds
            if nanos > 0 { seconds -= 1; nanos = 1_000_000_000 - nanos }
        }
        return (seconds, nanos)
    }
}

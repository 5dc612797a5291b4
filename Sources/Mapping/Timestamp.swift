import JSONCodec
import TimeFormats

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
                return decoded.withUTF8 { UTCTimestamp.rewrite($0.span, into: &out) }
            }
            return UTCTimestamp.rewrite(tape.bytes(token), into: &out)
        case .number:
            guard let (seconds, nanos) = epoch(tape.bytes(token)) else { return false }
            guard seconds > -62_135_596_800, seconds < 253_402_300_800 else { return false }
            return UTCTimestamp.write(epochSeconds: seconds, nanoseconds: nanos, into: &out)
        default:
            return false
        }
    }

    /// Unix seconds, or milliseconds when the whole part reaches `millisecondThreshold`;
    /// nil for exponents or overflow.
    static func epoch(_ raw: Span<UInt8>) -> (Int64, Int)? {
        guard raw.allSatisfy({ $0 | 0x20 != UInt8(ascii: "e") }),
            let asSeconds = EpochDecimal.split(raw)
        else { return nil }
        let whole = asSeconds.seconds < 0 ? -(asSeconds.seconds + 1) : asSeconds.seconds
        guard UInt64(whole) >= millisecondThreshold else { return asSeconds }
        return EpochDecimal.split(raw, unitDigits: 3)
    }
}

import JSONCodec
import TimeFormats

/// The epoch-based forms the cloud warehouses send instead of date and time text.
enum EpochText {
    /// Writes `text` as the quoted form `encoding` names; false, writing nothing, when it does not parse.
    static func write(_ text: Span<UInt8>, as encoding: ColumnEncoding, into w: inout JSONWriter) -> Bool {
        let mark = w.bytes.count
        w.writeByte(0x22)
        let ok: Bool
        switch encoding {
        case .epochSeconds:
            // Snowflake TIMESTAMP_TZ: "1704164645.123456000 1560"; the epoch part is already UTC.
            let end = text.firstIndex(of: 0x20) ?? text.count
            ok =
                EpochDecimal.split(text.extracting(..<end)).map {
                    UTCTimestamp.write(epochSeconds: $0.seconds, nanoseconds: $0.nanoseconds, into: &w.bytes)
                } ?? false
        case .epochMicroseconds:
            // BigQuery sends integer microseconds when asked (useInt64Timestamp) and float
            // seconds (`1.7E9`) otherwise; the two cannot be confused.
            ok =
                (EpochDecimal.split(text, unitDigits: isInteger(text) ? 6 : 0).map {
                    UTCTimestamp.write(epochSeconds: $0.seconds, nanoseconds: $0.nanoseconds, into: &w.bytes)
                } ?? false)
        case .epochDays:
            ok = writeDate(text, into: &w)
        case .secondsOfDay:
            ok = writeTimeOfDay(text, into: &w)
        default:
            ok = false
        }
        guard ok else {
            w.bytes.removeSubrange(mark...)
            return false
        }
        w.writeByte(0x22)
        return true
    }

    private static func isInteger(_ text: Span<UInt8>) -> Bool {
        let digits = text.first == UInt8(ascii: "-") ? text.extracting(1...) : text
        return !digits.isEmpty && digits.allSatisfy { $0 &- 48 < 10 }
    }

    private static func writeDate(_ text: Span<UInt8>, into w: inout JSONWriter) -> Bool {
        guard isInteger(text), text.count < 10, let days = Int64(String(decodingUTF8: text)) else { return false }
        let (y, m, d) = UTCTimestamp.civil(fromDays: days)
        guard (1...9999).contains(y) else { return false }
        FixedDigits.write(y, width: 4, into: &w.bytes)
        w.writeByte(UInt8(ascii: "-"))
        FixedDigits.write(m, width: 2, into: &w.bytes)
        w.writeByte(UInt8(ascii: "-"))
        FixedDigits.write(d, width: 2, into: &w.bytes)
        return true
    }

    private static func writeTimeOfDay(_ text: Span<UInt8>, into w: inout JSONWriter) -> Bool {
        guard let (seconds, nanos) = EpochDecimal.split(text), (0..<86400).contains(seconds) else { return false }
        FixedDigits.write(Int(seconds / 3600), width: 2, into: &w.bytes)
        w.writeByte(UInt8(ascii: ":"))
        FixedDigits.write(Int(seconds / 60 % 60), width: 2, into: &w.bytes)
        w.writeByte(UInt8(ascii: ":"))
        FixedDigits.write(Int(seconds % 60), width: 2, into: &w.bytes)
        FixedDigits.writeFraction(nanoseconds: nanos, into: &w.bytes)
        return true
    }
}

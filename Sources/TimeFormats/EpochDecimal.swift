/// Exact Unix times from decimal text, never through a Double: BigQuery's `1.704164645123456E9`,
/// Snowflake's `1704164645.123456000`, and integer micro- or milliseconds.
public enum EpochDecimal {
    /// Splits `-?digits[.digits][e±digits]`, counted in units of 10^-`unitDigits` seconds (0 for
    /// seconds, 3 for milliseconds, 6 for microseconds), into whole seconds (floor) and
    /// nanoseconds 0…999,999,999. Digits below a nanosecond are dropped. Nil when the text is not
    /// such a number or the seconds do not fit 18 digits.
    public static func split(_ raw: Span<UInt8>, unitDigits: Int = 0) -> (seconds: Int64, nanoseconds: Int)? {
        var i = 0
        let negative = !raw.isEmpty && raw[0] == UInt8(ascii: "-")
        if negative || !raw.isEmpty && raw[0] == UInt8(ascii: "+") { i = 1 }
        // The digits stay in `raw` (no array per call): `digit(k)` reads digit k of the whole
        // digits followed by the fraction digits.
        let wholeStart = i
        while i < raw.count, raw[i] &- 48 < 10 { i += 1 }
        let wholeCount = i - wholeStart
        var fractionStart = i
        if i < raw.count, raw[i] == UInt8(ascii: ".") {
            i += 1
            fractionStart = i
            while i < raw.count, raw[i] &- 48 < 10 { i += 1 }
        }
        let fractionCount = i - fractionStart
        guard wholeCount + fractionCount > 0 else { return nil }
        guard let exponent = exponent(raw, from: &i), i == raw.count else { return nil }
        let total = wholeCount + fractionCount
        func digit(_ k: Int) -> Int64 {
            guard k >= 0 && k < total else { return 0 }
            return Int64(k < wholeCount ? raw[wholeStart + k] - 48 : raw[fractionStart + k - wholeCount] - 48)
        }
        let point = wholeCount + exponent - unitDigits
        var seconds: Int64 = 0
        var significant = 0
        if point > 0 {
            for k in 0..<point {
                let d = digit(k)
                if significant > 0 || d != 0 { significant += 1 }
                guard significant <= 18 else { return nil }
                seconds = seconds * 10 + d
            }
        }
        var nanoseconds = 0
        for k in point..<(point + 9) { nanoseconds = nanoseconds * 10 + Int(digit(k)) }
        if negative {
            seconds = -seconds
            if nanoseconds > 0 {
                seconds -= 1
                nanoseconds = 1_000_000_000 - nanoseconds
            }
        }
        return (seconds, nanoseconds)
    }

    /// `e±digits` from `i` on (0 when there is none); nil when it is malformed or past 10^4.
    private static func exponent(_ raw: Span<UInt8>, from i: inout Int) -> Int? {
        guard i < raw.count, raw[i] | 0x20 == UInt8(ascii: "e") else { return 0 }
        i += 1
        var negative = false
        if i < raw.count, raw[i] == UInt8(ascii: "-") || raw[i] == UInt8(ascii: "+") {
            negative = raw[i] == UInt8(ascii: "-")
            i += 1
        }
        var exponent = 0
        var any = false
        while i < raw.count, raw[i] &- 48 < 10 {
            guard exponent < 10_000 else { return nil }
            exponent = exponent * 10 + Int(raw[i] - 48)
            any = true
            i += 1
        }
        guard any else { return nil }
        return negative ? -exponent : exponent
    }

    public static func split(_ text: String, unitDigits: Int = 0) -> (seconds: Int64, nanoseconds: Int)? {
        var copy = text
        return copy.withUTF8 { split($0.span, unitDigits: unitDigits) }
    }
}

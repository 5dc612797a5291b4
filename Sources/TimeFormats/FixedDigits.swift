import JSONCodec

/// Decimal digits written straight into an output, for dates, times and fractions.
public enum FixedDigits {
    /// `value` (non-negative, at most `width` digits) as exactly `width` digits, zero-padded.
    public static func write<Output: ByteOutput & ~Copyable>(_ value: Int, width: Int, into out: inout Output) {
        var divisor = 1
        for _ in 1..<max(width, 1) { divisor *= 10 }
        while divisor > 0 {
            out.append(UInt8(48 + value / divisor % 10))
            divisor /= 10
        }
    }

    /// `.` and the nanoseconds without trailing zeros (`.5`, `.123456`); nothing for zero.
    public static func writeFraction<Output: ByteOutput & ~Copyable>(nanoseconds: Int, into out: inout Output) {
        guard nanoseconds > 0 else { return }
        var value = nanoseconds
        var width = 9
        while value % 10 == 0 {
            value /= 10
            width -= 1
        }
        out.append(UInt8(ascii: "."))
        write(value, width: width, into: &out)
    }
}

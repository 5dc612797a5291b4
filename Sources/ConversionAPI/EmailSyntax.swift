import SyncCore

/// A pragmatic email check: one `@`, a non-empty local part, a dotted domain, no spaces or
/// control characters, at most 254 bytes. Conversion answers `invalid_email` for what fails it.
public enum EmailSyntax {
    public static func isValid(_ email: String) -> Bool {
        var copy = email
        return copy.withUTF8 { isValid($0.span) }
    }

    /// Where `bytes` are without leading and trailing spaces or tabs (emails are compared after
    /// trimming).
    public static func trimmedRange(_ bytes: Span<UInt8>) -> Range<Int> {
        var lo = 0
        var hi = bytes.count
        while lo < hi, bytes[lo] == 0x20 || bytes[lo] == 0x09 { lo += 1 }
        while hi > lo, bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09 { hi -= 1 }
        return lo..<hi
    }

    /// One pass over the bytes, allocating nothing: it runs on every contact row.
    public static func isValid(_ bytes: Span<UInt8>) -> Bool {
        let n = bytes.count
        guard n <= 254 else { return false }
        var at = -1
        var domainDots = 0
        var labelStart = 0
        for i in 0..<n {
            let b = bytes[i]
            if b <= 0x20 || b == 0x7F || b == UInt8(ascii: ",") || b == UInt8(ascii: "<") || b == UInt8(ascii: ">") {
                return false
            }
            if b == UInt8(ascii: "@") {
                guard at < 0 else { return false }
                at = i
                labelStart = i + 1
            } else if b == UInt8(ascii: "."), at >= 0 {
                guard validLabel(bytes, labelStart, i) else { return false }
                domainDots += 1
                labelStart = i + 1
            }
        }
        guard at > 0, at <= 64, n - at - 1 >= 3, domainDots >= 1 else { return false }
        guard bytes[0] != UInt8(ascii: "."), bytes[at - 1] != UInt8(ascii: ".") else { return false }
        return validLabel(bytes, labelStart, n)
    }

    /// A domain label `bytes[start..<end]`: not empty, no hyphen at either end.
    private static func validLabel(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Bool {
        end > start && bytes[start] != UInt8(ascii: "-") && bytes[end - 1] != UInt8(ascii: "-")
    }
}

/// Emails are compared case-insensitively after trimming (docs/api.md); they are sent as given.
public enum EmailKey {
    public static func normalized(_ email: String) -> String {
        let trimmed = email.trimmingSpaces()
        // Most emails are lower-case ASCII already: no new string for those.
        if trimmed.utf8.allSatisfy({ $0 < 0x80 && !(0x41...0x5A).contains($0) }) { return trimmed }
        return trimmed.lowercased()
    }
}

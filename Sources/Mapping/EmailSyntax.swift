/// A pragmatic email check: one `@`, a non-empty local part, a dotted domain, no spaces or
/// control characters, at most 254 bytes. Conversion answers `invalid_email` for what fails it.
public enum EmailSyntax {
    public static func isValid(_ email: String) -> Bool {
        var copy = email
        return copy.withUTF8 { isValid($0) }
    }

    /// `bytes` without leading and trailing spaces or tabs (emails are compared after trimming).
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var lo = 0
        var hi = bytes.count
        while lo < hi, bytes[lo] == 0x20 || bytes[lo] == 0x09 { lo += 1 }
        while hi > lo, bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09 { hi -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[lo..<hi])
    }

    /// Works on the bytes so the per-row check allocates nothing.
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count <= 254, let at = bytes.firstIndex(of: UInt8(ascii: "@")),
              bytes.lastIndex(of: UInt8(ascii: "@")) == at else { return false }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard !local.isEmpty, local.count <= 64, domain.count >= 3 else { return false }
        guard bytes.allSatisfy({ $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }) else { return false }
        guard local.first != UInt8(ascii: "."), local.last != UInt8(ascii: ".") else { return false }
        var labels = 0
        var labelStart = domain.startIndex
        for i in domain.indices where domain[i] == UInt8(ascii: ".") {
            guard validLabel(bytes[labelStart..<i]) else { return false }
            labels += 1
            labelStart = i + 1
        }
        return labels >= 1 && validLabel(bytes[labelStart..<domain.endIndex])
    }

    private static func validLabel(_ label: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        !label.isEmpty && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
    }
}

/// Small text helpers the tools share (the core avoids Foundation, which has its own).
extension StringProtocol {
    /// Without leading and trailing characters found in `set`.
    public func trimmingCharacters(in set: String) -> String {
        var s = self[...]
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }

    /// Without leading and trailing spaces and tabs; on the UTF-8 bytes, since the emulator
    /// trims every email it stores.
    public func trimmingSpaces() -> String {
        let whole = Substring(self)
        let bytes = whole.utf8
        var lo = bytes.startIndex
        var hi = bytes.endIndex
        while lo < hi, bytes[lo] == 0x20 || bytes[lo] == 0x09 { lo = bytes.index(after: lo) }
        while lo < hi {
            let last = bytes.index(before: hi)
            guard bytes[last] == 0x20 || bytes[last] == 0x09 else { break }
            hi = last
        }
        return String(whole[lo..<hi])
    }
}

extension String {
    /// Every occurrence of `target` replaced (used to keep secrets out of messages).
    public func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

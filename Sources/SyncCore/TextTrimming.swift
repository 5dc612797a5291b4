/// Small text helpers the tools share (the core avoids Foundation, which has its own).
extension StringProtocol {
    /// Without leading and trailing characters found in `set`.
    public func trimmingCharacters(in set: String) -> String {
        var s = self[...]
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }

    /// Without leading and trailing spaces and tabs.
    public func trimmingSpaces() -> String { trimmingCharacters(in: " \t") }
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

/// Emails are compared case-insensitively after trimming (docs/api.md); they are sent as given.
public enum EmailKey {
    public static func normalized(_ email: String) -> String { email.trimmingSpaces().lowercased() }
}

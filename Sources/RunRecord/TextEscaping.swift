extension String {
    /// The text with each character of `table` replaced by its escape (HTML's entities,
    /// Prometheus label values): one pass, other characters as they are.
    func escaping(_ table: [Character: String]) -> String {
        var out = ""
        for c in self {
            if let escape = table[c] { out += escape } else { out.append(c) }
        }
        return out
    }
}

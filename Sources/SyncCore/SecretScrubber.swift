/// Takes secrets (passwords, tokens, API keys) out of text a tool is about to print or store:
/// a server's error message can quote what it was sent. One scrubber for the warehouses and the
/// Conversion API alike; the longest secret goes first, so one that contains another is hidden whole.
public struct SecretScrubber: Sendable {
    public let secrets: [String]

    public init(secrets: [String?]) {
        self.secrets = secrets.compactMap { $0 }.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
    }

    /// `text` with every secret as `***`, without trailing blanks and line ends.
    public func scrub(_ text: String) -> String {
        var out = text
        for s in secrets { out = out.replacingAll(s, with: "***") }
        var end = out[...]
        while let c = end.last, c == "\n" || c == "\r" || c == " " { end = end.dropLast() }
        return String(end)
    }
}

import JSONCodec

/// A YAML document as the manifests need it, written in block style. Every string is either a
/// literal block (file contents that read best as they are) or a JSON string, which YAML reads
/// as a double-quoted scalar: no value can turn into a number, a boolean or syntax ("no",
/// "0400", "1h" stay strings).
public indirect enum YAMLNode: Equatable, Sendable {
    case map([(String, YAMLNode)])
    case list([YAMLNode])
    case string(String)
    case int(Int)
    case bool(Bool)

    public static func == (a: YAMLNode, b: YAMLNode) -> Bool { a.text(indent: 0) == b.text(indent: 0) }

    /// The document, ending in a newline.
    public var document: String { text(indent: 0) }

    private func text(indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .map(let entries) where entries.isEmpty: return pad + "{}\n"
        case .list(let items) where items.isEmpty: return pad + "[]\n"
        case .map(let entries):
            return entries.map { key, value in pad + Self.key(key) + ":" + value.afterKey(indent: indent) }.joined()
        case .list(let items):
            return items.map { item in
                // "- " then the item's first line; the rest of a map lines up under it.
                let body = item.text(indent: indent + 2)
                return pad + "- " + body.dropFirst(indent + 2)
            }.joined()
        default:
            return pad + scalar(indent: indent) + "\n"
        }
    }

    /// What follows "key:" on its line.
    private func afterKey(indent: Int) -> String {
        switch self {
        case .map(let entries) where !entries.isEmpty: return "\n" + text(indent: indent + 2)
        case .list(let items) where !items.isEmpty: return "\n" + text(indent: indent + 2)
        case .map, .list: return " " + text(indent: 0)
        default: return " " + scalar(indent: indent) + "\n"
        }
    }

    private func scalar(indent: Int) -> String {
        switch self {
        case .int(let n): return String(n)
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return Self.literalBlock(s, indent: indent + 2) ?? Self.quoted(s)
        default: return ""
        }
    }

    /// A key that YAML reads as the same string plain (`app.kubernetes.io/name`, `people.sync`)
    /// stays plain; any other (a name YAML 1.1 takes for a boolean, "on", "no") is quoted.
    private static func key(_ key: String) -> String {
        let plain =
            key.first?.isLetter == true
            && key.utf8.allSatisfy { c in
                (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x2e
                    || c == 0x2f || c == 0x2d || c == 0x5f
            }
            && !["y", "n", "yes", "no", "on", "off", "true", "false", "null"].contains(key.lowercased())
        return plain ? key : quoted(key)
    }

    static func quoted(_ s: String) -> String { JSONValue.string(s).serialized }

    /// `|` and the lines, for multi-line text that a block keeps exactly: ends in one newline,
    /// printable, no carriage return, no line that starts with a space where the block's
    /// indentation would be guessed from it.
    private static func literalBlock(_ s: String, indent: Int) -> String? {
        guard s.contains("\n"), s.hasSuffix("\n"), !s.hasSuffix("\n\n"), !s.hasPrefix(" "), !s.hasPrefix("\n"),
            s.unicodeScalars.allSatisfy({ $0 == "\n" || $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7f) })
        else { return nil }
        let pad = String(repeating: " ", count: indent)
        let lines = s.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        return "|\n" + lines.map { $0.isEmpty ? "" : pad + $0 }.joined(separator: "\n")
    }
}

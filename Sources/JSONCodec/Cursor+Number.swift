extension Cursor {
    /// Scans `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` and records its exact text.
    mutating func parseNumber(into tokens: inout TokenWriter) throws(JSONSyntaxError) {
        let start = i
        guard let end = JSONNumberSyntax.scan(base, from: i, count: count) else {
            throw JSONSyntaxError(.invalidNumber, at: start)
        }
        i = end
        let index = Int32(tokens.count)
        tokens.append(.init(kind: .number, hasEscapes: false, start: Int32(start), end: Int32(end), next: index + 1))
    }
}

/// The RFC 8259 number grammar, shared by the parser and by code that must decide whether a
/// warehouse's text is a JSON number before writing it bare.
public enum JSONNumberSyntax {
    /// The end of the longest number at `from`, or nil when none starts there.
    @inline(__always)
    public static func scan(_ p: UnsafePointer<UInt8>, from: Int, count: Int) -> Int? {
        var i = from
        if i < count && p[i] == UInt8(ascii: "-") { i += 1 }
        guard i < count else { return nil }
        if p[i] == UInt8(ascii: "0") {
            i += 1
        } else if isDigit(p[i]) {
            while i < count && isDigit(p[i]) { i += 1 }
        } else {
            return nil
        }
        if i < count && p[i] == UInt8(ascii: ".") {
            i += 1
            guard i < count && isDigit(p[i]) else { return nil }
            while i < count && isDigit(p[i]) { i += 1 }
        }
        if i < count && (p[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            if i < count && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < count && isDigit(p[i]) else { return nil }
            while i < count && isDigit(p[i]) { i += 1 }
        }
        return i
    }

    /// Whether the whole buffer is one JSON number.
    public static func isNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let p = bytes.baseAddress, bytes.count > 0 else { return false }
        return scan(p, from: 0, count: bytes.count) == bytes.count
    }

    public static func isNumber(_ bytes: Span<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { isNumber($0) }
    }

    public static func isNumber(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { isNumber($0) }
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }
}

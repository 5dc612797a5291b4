/// A validating RFC 8259 parser that fills a `JSONTape` from a byte buffer.
///
/// It checks the full grammar, string escapes (including surrogate pairs) and UTF-8, and limits
/// nesting so that hostile input cannot exhaust the stack.
public struct JSONParser: Sendable {
    public var maxDepth: Int

    public init(maxDepth: Int = 256) { self.maxDepth = maxDepth }

    /// `parse` of a byte view (the tape copies the bytes).
    public func parse(_ bytes: Span<UInt8>, into tape: inout JSONTape) throws(JSONSyntaxError) {
        try bytes.withUnsafeBufferPointer { (raw) throws(JSONSyntaxError) in try parse(raw, into: &tape) }
    }

    /// Parses exactly one JSON value (surrounding whitespace allowed) into `tape`, replacing its
    /// content; the tape keeps a copy of `bytes`, so they may change or go once this returns.
    public func parse(_ bytes: UnsafeBufferPointer<UInt8>, into tape: inout JSONTape) throws(JSONSyntaxError) {
        let storage = tape.storage
        storage.take(bytes)
        guard bytes.count > 0 else { throw JSONSyntaxError(.empty, at: 0) }
        var cursor = Cursor(base: storage.bytes, count: bytes.count, maxDepth: maxDepth)
        cursor.skipWhitespace()
        if cursor.i == cursor.count { throw JSONSyntaxError(.empty, at: 0) }
        var tokens = TokenWriter(storage)
        try cursor.parseValue(into: &tokens, depth: 0)
        cursor.skipWhitespace()
        if cursor.i != cursor.count { throw JSONSyntaxError(.trailingCharacters, at: cursor.i) }
        storage.count = tokens.count
    }
}

/// The parser's position; a struct so the hot loop pays no class exclusivity checks.
struct Cursor {
    let base: UnsafePointer<UInt8>
    let count: Int
    let maxDepth: Int
    var i = 0

    init(base: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
        self.base = base
        self.count = count
        self.maxDepth = maxDepth
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < count {
            let b = base[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i += 1
        }
    }

    mutating func parseValue(into tokens: inout TokenWriter, depth: Int) throws(JSONSyntaxError) {
        guard i < count else { throw JSONSyntaxError(.unexpectedEnd, at: i) }
        switch base[i] {
        case UInt8(ascii: "{"): try parseObject(into: &tokens, depth: depth + 1)
        case UInt8(ascii: "["): try parseArray(into: &tokens, depth: depth + 1)
        case UInt8(ascii: "\""): try parseString(into: &tokens)
        case UInt8(ascii: "t"): try parseLiteral("true", .true, into: &tokens)
        case UInt8(ascii: "f"): try parseLiteral("false", .false, into: &tokens)
        case UInt8(ascii: "n"): try parseLiteral("null", .null, into: &tokens)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try parseNumber(into: &tokens)
        default: throw JSONSyntaxError(base[i] >= 0x80 ? .invalidUTF8 : .unexpectedByte(base[i]), at: i)
        }
    }

    private mutating func parseObject(into tokens: inout TokenWriter, depth: Int) throws(JSONSyntaxError) {
        if depth > maxDepth { throw JSONSyntaxError(.tooDeep(limit: maxDepth), at: i) }
        let open = tokens.count
        tokens.append(.init(kind: .object, hasEscapes: false, start: 0, end: 0, next: 0))
        i += 1
        skipWhitespace()
        var members: Int32 = 0
        if i < count && base[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                guard i < count else { throw JSONSyntaxError(.unexpectedEnd, at: i) }
                guard base[i] == UInt8(ascii: "\"") else { throw JSONSyntaxError(.unexpectedByte(base[i]), at: i) }
                try parseString(into: &tokens)
                skipWhitespace()
                guard i < count else { throw JSONSyntaxError(.unexpectedEnd, at: i) }
                guard base[i] == UInt8(ascii: ":") else { throw JSONSyntaxError(.unexpectedByte(base[i]), at: i) }
                i += 1
                skipWhitespace()
                try parseValue(into: &tokens, depth: depth)
                members += 1
                skipWhitespace()
                guard i < count else { throw JSONSyntaxError(.unexpectedEnd, at: i) }
                let b = base[i]
                i += 1
                if b == UInt8(ascii: "}") { break }
                guard b == UInt8(ascii: ",") else { throw JSONSyntaxError(.unexpectedByte(b), at: i - 1) }
                skipWhitespace()
            }
        }
        tokens[open].start = members
        tokens[open].next = Int32(tokens.count)
    }

    private mutating func parseArray(into tokens: inout TokenWriter, depth: Int) throws(JSONSyntaxError) {
        if depth > maxDepth { throw JSONSyntaxError(.tooDeep(limit: maxDepth), at: i) }
        let open = tokens.count
        tokens.append(.init(kind: .array, hasEscapes: false, start: 0, end: 0, next: 0))
        i += 1
        skipWhitespace()
        var elements: Int32 = 0
        if i < count && base[i] == UInt8(ascii: "]") {
            i += 1
        } else {
            while true {
                try parseValue(into: &tokens, depth: depth)
                elements += 1
                skipWhitespace()
                guard i < count else { throw JSONSyntaxError(.unexpectedEnd, at: i) }
                let b = base[i]
                i += 1
                if b == UInt8(ascii: "]") { break }
                guard b == UInt8(ascii: ",") else { throw JSONSyntaxError(.unexpectedByte(b), at: i - 1) }
                skipWhitespace()
            }
        }
        tokens[open].start = elements
        tokens[open].next = Int32(tokens.count)
    }

    private mutating func parseLiteral(_ word: StaticString, _ kind: JSONTape.Kind, into tokens: inout TokenWriter)
        throws(JSONSyntaxError)
    {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        for k in 0..<n {
            guard i + k < count else { throw JSONSyntaxError(.unexpectedEnd, at: i + k) }
            guard base[i + k] == w[k] else { throw JSONSyntaxError(.unexpectedByte(base[i + k]), at: i + k) }
        }
        let index = Int32(tokens.count)
        tokens.append(.init(kind: kind, hasEscapes: false, start: Int32(i), end: Int32(i + n), next: index + 1))
        i += n
    }
}

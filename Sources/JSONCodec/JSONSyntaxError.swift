/// Why a byte sequence is not one valid JSON value, and where (0-based byte offset).
public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case invalidEscape
        case invalidUnicodeEscape
        case unpairedSurrogate
        case controlCharacterInString
        case invalidNumber
        case invalidUTF8
        case tooDeep(limit: Int)
        case trailingCharacters
        case empty
    }

    public var reason: Reason
    public var offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    /// One-line explanation; the column is 1-based so it matches what editors show.
    public var description: String {
        let column = offset + 1
        switch reason {
        case .unexpectedEnd: return "unexpected end of input at column \(column)"
        case .unexpectedByte(let b): return "unexpected \(Self.describe(b)) at column \(column)"
        case .invalidEscape: return "invalid escape sequence at column \(column)"
        case .invalidUnicodeEscape: return "invalid \\u escape at column \(column)"
        case .unpairedSurrogate: return "unpaired UTF-16 surrogate in \\u escape at column \(column)"
        case .controlCharacterInString: return "unescaped control character in string at column \(column)"
        case .invalidNumber: return "invalid number at column \(column)"
        case .invalidUTF8: return "invalid UTF-8 at byte \(column)"
        case .tooDeep(let limit): return "nesting deeper than \(limit) levels at column \(column)"
        case .trailingCharacters: return "unexpected characters after the value at column \(column)"
        case .empty: return "empty input"
        }
    }

    private static func describe(_ b: UInt8) -> String {
        if b >= 0x21 && b < 0x7F { return "character '\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x" + String(b, radix: 16, uppercase: true)
    }
}

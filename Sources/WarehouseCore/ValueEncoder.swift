import JSONCodec
import SyncCore
import TimeFormats

/// Writes one non-null column value as JSON according to its `ColumnEncoding`.
/// Text that does not fit the declared type is never dropped: it is written as a JSON string.
public struct ValueEncoder {
    private var tape = JSONTape()
    private let parser = JSONParser(maxDepth: 512)
    private var scratch: [UInt8] = []

    public init() {}

    public mutating func encode(_ text: Span<UInt8>, as encoding: ColumnEncoding, into w: inout JSONWriter) {
        switch encoding {
        case .integer, .decimal, .float:
            if JSONNumberSyntax.isNumber(text) { w.writeRaw(text) } else { w.writeString(utf8: text) }
        case .boolean:
            switch Self.truth(text) {
            case true?: w.writeRaw("true")
            case false?: w.writeRaw("false")
            case nil: w.writeString(utf8: text)
            }
        case .text, .date:
            w.writeString(utf8: text)
        case .uuid:
            w.writeByte(0x22)
            for i in text.indices {
                let b = text[i]
                w.writeByte(b >= 65 && b <= 90 ? b + 32 : b)
            }
            w.writeByte(0x22)
        case .json:
            do {
                try parser.parse(text, into: &tape)
                w.writeTapeValue(tape, at: 0)
            } catch {
                w.writeString(utf8: text)
            }
        case .timestamp:
            w.writeByte(0x22)
            let mark = w.bytes.count
            if !UTCTimestamp.rewrite(text, into: &w.bytes) {
                w.bytes.removeSubrange(mark...)
                w.writeEscapedContent(text)
            }
            w.writeByte(0x22)
        case .byteaHex:
            guard Self.decodeHex(text, into: &scratch) else { return w.writeString(utf8: text) }
            writeBase64(of: scratch, into: &w)
        case .binary:
            w.writeByte(0x22)
            Base64.encode(text, into: &w.bytes)
            w.writeByte(0x22)
        case .array(let element):
            PostgresArrayLiteral.write(text, element: element, encoder: &self, into: &w)
        case .epochSeconds, .epochMicroseconds, .epochDays, .secondsOfDay:
            if !EpochText.write(text, as: encoding, into: &w) { w.writeString(utf8: text) }
        case .hex:
            guard Self.decodeHex(digits: text, into: &scratch) else { return w.writeString(utf8: text) }
            writeBase64(of: scratch, into: &w)
        }
    }

    private func writeBase64(of bytes: [UInt8], into w: inout JSONWriter) {
        w.writeByte(0x22)
        Base64.encode(bytes.span, into: &w.bytes)
        w.writeByte(0x22)
    }

    static func truth(_ text: Span<UInt8>) -> Bool? {
        // Compared byte by byte, ASCII case folded: this runs once per boolean cell.
        guard text.count <= 5 else { return nil }
        var folded: UInt64 = 0
        for i in text.indices {
            let b = text[i]
            folded = folded << 8 | UInt64(b >= 65 && b <= 90 ? b + 32 : b)
        }
        switch folded {
        case 0x74, 0x7472_7565, 0x31, 0x79, 0x79_6573, 0x6F6E: return true  // t true 1 y yes on
        case 0x66, 0x66_616C_7365, 0x30, 0x6E, 0x6E6F, 0x6F_6666: return false  // f false 0 n no off
        default: return nil
        }
    }

    /// Decodes PostgreSQL's `\x0a1b…` hex form into `out`; false when the text is not of that form.
    static func decodeHex(_ text: Span<UInt8>, into out: inout [UInt8]) -> Bool {
        guard text.count >= 2, text[0] == 0x5C, text[1] == UInt8(ascii: "x") else { return false }
        return decodeHex(digits: text.extracting(2...), into: &out)
    }

    /// Decodes bare hex digits into `out`; false when the text is not an even run of them.
    static func decodeHex(digits text: Span<UInt8>, into out: inout [UInt8]) -> Bool {
        out.removeAll(keepingCapacity: true)
        guard text.count % 2 == 0 else { return false }
        var i = 0
        while i < text.count {
            guard let hi = hexValue(text[i]), let lo = hexValue(text[i + 1]) else { return false }
            out.append(hi << 4 | lo)
            i += 2
        }
        return true
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: return b - 48
        case 97...102: return b - 87
        case 65...70: return b - 55
        default: return nil
        }
    }
}

import JSONCodec

/// Parses PostgreSQL's array text form (`{1,2,NULL}`, `{"a b","c\"d"}`, `{{1,2},{3,4}}`,
/// `[0:1]={…}`) into a JSON array, encoding each element like a column of the element type.
enum PostgresArrayLiteral {
    static func write(
        _ text: Span<UInt8>, element: ColumnEncoding, encoder: inout ValueEncoder, into w: inout JSONWriter
    ) {
        var i = 0
        // An element is never longer than the literal: one buffer serves every element.
        var item = [UInt8](repeating: 0, count: max(text.count, 1))
        // Skip an explicit dimension decoration such as "[0:2]=".
        if !text.isEmpty && text[0] == UInt8(ascii: "[") {
            while i < text.count && text[i] != UInt8(ascii: "=") { i += 1 }
            i += 1
        }
        let mark = w.bytes.count
        guard i < text.count, text[i] == UInt8(ascii: "{"),
            parseArray(text, &i, item: &item, element: element, encoder: &encoder, into: &w), i == text.count
        else {
            w.bytes.removeSubrange(mark...)
            w.writeString(utf8: text)
            return
        }
    }

    /// Parses `{…}` at `i`; false on malformed text.
    private static func parseArray(
        _ s: Span<UInt8>, _ i: inout Int, item: inout [UInt8], element: ColumnEncoding,
        encoder: inout ValueEncoder, into w: inout JSONWriter
    ) -> Bool {
        i += 1
        w.writeByte(UInt8(ascii: "["))
        var count = 0
        while i < s.count {
            if s[i] == UInt8(ascii: "}") {
                i += 1
                w.writeByte(UInt8(ascii: "]"))
                return true
            }
            if count > 0 {
                guard s[i] == UInt8(ascii: ",") else { return false }
                i += 1
                w.writeByte(UInt8(ascii: ","))
            }
            count += 1
            guard i < s.count else { return false }
            if s[i] == UInt8(ascii: "{") {
                guard parseArray(s, &i, item: &item, element: element, encoder: &encoder, into: &w) else {
                    return false
                }
            } else if s[i] == UInt8(ascii: "\"") {
                guard let length = quoted(s, &i, into: &item) else { return false }
                encoder.encode(item.span.extracting(0..<length), as: element, into: &w)
            } else {
                let start = i
                while i < s.count && s[i] != UInt8(ascii: ",") && s[i] != UInt8(ascii: "}") { i += 1 }
                let raw = s.extracting(start..<i)
                if raw.count == 4 && String(decodingUTF8: raw).uppercased() == "NULL" {
                    w.writeRaw("null")
                } else {
                    encoder.encode(raw, as: element, into: &w)
                }
            }
        }
        return false
    }

    /// Unescapes the quoted element at `i` into `item`; its length, or nil when unterminated.
    private static func quoted(_ s: Span<UInt8>, _ i: inout Int, into item: inout [UInt8]) -> Int? {
        var length = 0
        i += 1
        while i < s.count {
            let b = s[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return length
            }
            if b == 0x5C {
                i += 1
                guard i < s.count else { return nil }
            }
            item[length] = s[i]
            length += 1
            i += 1
        }
        return nil
    }
}

extension JSONTape {
    /// The unescaped content of the string token at `index`.
    public func decodeString(_ index: Int) -> String {
        let raw = rawBytes(index)
        if !self[index].hasEscapes { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        JSONStringUnescaper.unescape(raw, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the unescaped UTF-8 content of the string token at `index` to `out` (no String).
    public func decodeString(_ index: Int, into out: inout [UInt8]) {
        let raw = rawBytes(index)
        if self[index].hasEscapes { JSONStringUnescaper.unescape(raw, into: &out) } else { out.append(contentsOf: raw) }
    }

    /// The value at `index` as an owned tree.
    public func value(at index: Int) -> JSONValue {
        let t = self[index]
        switch t.kind {
        case .null: return .null
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .number: return .number(String(decoding: rawBytes(index), as: UTF8.self))
        case .string: return .string(decodeString(index))
        case .array:
            var elements: [JSONValue] = []
            elements.reserveCapacity(Int(t.start))
            var k = index + 1
            for _ in 0..<t.start {
                elements.append(value(at: k))
                k = Int(self[k].next)
            }
            return .array(elements)
        case .object:
            var members: [(key: String, value: JSONValue)] = []
            members.reserveCapacity(Int(t.start))
            for key in memberKeys(ofObject: index) {
                members.append((decodeString(key), value(at: key + 1)))
            }
            return .object(JSONObject(members))
        }
    }
}

/// Decodes the escapes of already validated JSON string content.
enum JSONStringUnescaper {
    static func unescape(_ raw: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var i = 0
        let n = raw.count
        while i < n {
            let b = raw[i]
            if b != 0x5C {
                out.append(b)
                i += 1
                continue
            }
            let e = raw[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(raw, i)
                i += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    let low = hex4(raw, i + 2)
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                appendUTF8(scalar, to: &out)
            default: out.append(e)
            }
        }
    }

    private static func hex4(_ raw: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v = v << 4 | (hexDigitValue(raw[at + k]) ?? 0) }
        return v
    }

    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}

extension JSONValue {
    /// Parses one JSON text into an owned value.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = 256) throws(JSONSyntaxError)
        -> JSONValue
    {
        var tape = JSONTape()
        try JSONParser(maxDepth: maxDepth).parse(bytes, into: &tape)
        return tape.value(at: 0)
    }

    public static func parse(_ bytes: Span<UInt8>, maxDepth: Int = 256) throws(JSONSyntaxError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (raw) throws(JSONSyntaxError) in try parse(raw, maxDepth: maxDepth) }
    }

    /// Parses the JSON text a buffer holds (a writer's output, say).
    public static func parse(_ buffer: borrowing ByteBuffer, maxDepth: Int = 256) throws(JSONSyntaxError) -> JSONValue {
        try buffer.withUnsafeBufferPointer { (raw) throws(JSONSyntaxError) in try parse(raw, maxDepth: maxDepth) }
    }

    public static func parse(_ text: String, maxDepth: Int = 256) throws(JSONSyntaxError) -> JSONValue {
        var copy = text
        let result: Result<JSONValue, JSONSyntaxError> = copy.withUTF8 { buffer in
            do throws(JSONSyntaxError) { return .success(try parse(buffer, maxDepth: maxDepth)) } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

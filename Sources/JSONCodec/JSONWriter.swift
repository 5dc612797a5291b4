/// Appends compact JSON to a byte buffer. Output is stable: members in the given order, no
/// whitespace, only the escapes RFC 8259 requires, numbers exactly as their text.
public struct JSONWriter: ~Copyable {
    public var bytes: ByteBuffer

    public init(capacity: Int = 1 << 16) {
        bytes = ByteBuffer(capacity: capacity)
    }

    @inlinable @inline(__always)
    public mutating func writeByte(_ b: UInt8) { bytes.append(b) }

    @inlinable @inline(__always)
    public mutating func writeRaw(_ raw: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: raw) }

    @inlinable @inline(__always)
    public mutating func writeRaw(_ raw: Span<UInt8>) { bytes.append(contentsOf: raw) }

    @inlinable
    public mutating func writeRaw(_ raw: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: raw.utf8Start, count: raw.utf8CodeUnitCount))
    }

    @inlinable
    public mutating func writeRaw(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

    /// Writes another buffer's bytes as they are (already valid JSON).
    public mutating func writeRaw(_ raw: borrowing ByteBuffer) { bytes.append(raw) }

    /// Writes `value` in decimal: row numbers on every record, without a String per row.
    @inlinable
    public mutating func writeInteger(_ value: Int) { bytes.appendDecimal(value) }

    /// Writes `utf8` (valid UTF-8) as a quoted, escaped JSON string.
    @inlinable
    public mutating func writeString(utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(0x22)
        writeEscapedContent(utf8)
        bytes.append(0x22)
    }

    @inlinable
    public mutating func writeString(utf8: Span<UInt8>) {
        utf8.withUnsafeBufferPointer { writeString(utf8: $0) }
    }

    public mutating func writeString(_ s: String) {
        var copy = s
        copy.withUTF8 { writeString(utf8: $0) }
    }

    @inlinable
    public mutating func writeEscapedContent(_ utf8: Span<UInt8>) {
        utf8.withUnsafeBufferPointer { writeEscapedContent($0) }
    }

    /// Escapes string content without the quotes, copying unescaped runs in bulk.
    @inlinable
    public mutating func writeEscapedContent(_ utf8: UnsafeBufferPointer<UInt8>) {
        guard let p = utf8.baseAddress else { return }
        let n = utf8.count
        var runStart = 0
        var i = 0
        while i < n {
            let b = p[i]
            if b >= 0x20 && b != 0x22 && b != 0x5C {
                i += 1
                continue
            }
            if i > runStart { bytes.append(contentsOf: UnsafeBufferPointer(start: p + runStart, count: i - runStart)) }
            appendEscape(b)
            i += 1
            runStart = i
        }
        if n > runStart { bytes.append(contentsOf: UnsafeBufferPointer(start: p + runStart, count: n - runStart)) }
    }

    @usableFromInline @inline(never)
    mutating func appendEscape(_ b: UInt8) {
        bytes.append(0x5C)
        switch b {
        case 0x22: bytes.append(0x22)
        case 0x5C: bytes.append(0x5C)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            let hex: StaticString = "0123456789abcdef"
            bytes.append(UInt8(ascii: "u"))
            bytes.append(0x30)
            bytes.append(0x30)
            bytes.append(hex.utf8Start[Int(b >> 4)])
            bytes.append(hex.utf8Start[Int(b & 0xF)])
        }
    }

    public mutating func writeValue(_ value: JSONValue) {
        switch value {
        case .null: writeRaw("null")
        case .bool(let b): b ? writeRaw("true") : writeRaw("false")
        case .number(let text):
            var copy = text
            copy.withUTF8 { bytes.append(contentsOf: $0) }
        case .string(let s): writeString(s)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (k, e) in elements.enumerated() {
                if k > 0 { bytes.append(UInt8(ascii: ",")) }
                writeValue(e)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            writeObject(object)
        }
    }

    public mutating func writeObject(_ object: JSONObject) {
        bytes.append(UInt8(ascii: "{"))
        for (k, member) in object.members.enumerated() {
            if k > 0 { bytes.append(UInt8(ascii: ",")) }
            writeString(member.key)
            bytes.append(UInt8(ascii: ":"))
            writeValue(member.value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// Writes the value at `index` of `tape` compactly: numbers as written, strings in the
    /// canonical form `writeString` produces, so equal values always give equal bytes.
    /// Returns the index after the value.
    @discardableResult
    public mutating func writeTapeValue(_ tape: JSONTape, at index: Int) -> Int {
        let t = tape[index]
        switch t.kind {
        case .null: writeRaw("null")
        case .true: writeRaw("true")
        case .false: writeRaw("false")
        case .number: writeRaw(tape.rawBytes(index))
        case .string:
            writeStringToken(tape, at: index)
        case .array:
            bytes.append(UInt8(ascii: "["))
            var k = index + 1
            for e in 0..<Int(t.start) {
                if e > 0 { bytes.append(UInt8(ascii: ",")) }
                k = writeTapeValue(tape, at: k)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object:
            bytes.append(UInt8(ascii: "{"))
            for (e, key) in tape.memberKeys(ofObject: index).enumerated() {
                if e > 0 { bytes.append(UInt8(ascii: ",")) }
                writeTapeValue(tape, at: key)
                bytes.append(UInt8(ascii: ":"))
                writeTapeValue(tape, at: key + 1)
            }
            bytes.append(UInt8(ascii: "}"))
        }
        return Int(t.next)
    }
}

extension JSONWriter {
    /// Writes the object at `index` of `tape` without its null members and without the member
    /// called `excluded`, if given (a null clears a field, so it is not stored or sent).
    public mutating func writeTapeObject(
        _ tape: JSONTape, at index: Int, droppingNulls: Bool, excluding excluded: StaticString? = nil
    ) {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        for key in tape.memberKeys(ofObject: index) {
            if droppingNulls && tape[key + 1].kind == .null { continue }
            if let excluded, tape.stringEquals(key, excluded) { continue }
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            writeStringToken(tape, at: key)
            bytes.append(UInt8(ascii: ":"))
            writeTapeValue(tape, at: key + 1)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// Writes the string token at `index` canonically: content without escapes is already in
    /// canonical form and is copied; escaped content is decoded and escaped again minimally.
    @inlinable @inline(__always)
    public mutating func writeStringToken(_ tape: JSONTape, at index: Int) {
        if !tape[index].hasEscapes {
            bytes.append(0x22)
            writeRaw(tape.rawBytes(index))
            bytes.append(0x22)
        } else {
            writeString(tape.decodeString(index))
        }
    }
}

extension JSONValue {
    /// The compact, stable serialisation of this value.
    public var serialized: String {
        var w = JSONWriter(capacity: 64)
        w.writeValue(self)
        return w.bytes.text
    }
}

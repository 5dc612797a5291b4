extension Cursor {
    /// Scans a string starting at the opening quote, validating escapes and UTF-8.
    mutating func parseString(into tokens: inout TokenWriter) throws(JSONSyntaxError) {
        i += 1
        let start = i
        var escapes = false
        while true {
            // Fast path: plain ASCII that needs no attention, on locals so the loop stays in registers.
            var j = i
            let p = base
            let n = count
            // Eight bytes at a time: the mask's lowest set bit marks the first quote, backslash,
            // control byte or non-ASCII byte exactly, so the scan jumps straight to it.
            var found = false
            while j + 8 <= n {
                let mask = JSONSWAR.attentionMask(UnsafeRawPointer(p + j).loadUnaligned(as: UInt64.self))
                if mask != 0 {
                    j += mask.trailingZeroBitCount >> 3
                    found = true
                    break
                }
                j += 8
            }
            while !found && j < n {
                let b = p[j]
                if b < 0x20 || b == 0x22 || b == 0x5C || b >= 0x80 { break }
                j += 1
            }
            i = j
            guard i < count else { throw JSONSyntaxError(.unexpectedEnd, at: i) }
            let b = base[i]
            if b == 0x22 { break }
            if b == 0x5C {
                escapes = true
                try scanEscape()
            } else if b < 0x20 {
                throw JSONSyntaxError(.controlCharacterInString, at: i)
            } else {
                try scanUTF8Sequence()
            }
        }
        let index = Int32(tokens.count)
        tokens.append(.init(kind: .string, hasEscapes: escapes, start: Int32(start), end: Int32(i), next: index + 1))
        i += 1
    }

    private mutating func scanEscape() throws(JSONSyntaxError) {
        let at = i
        i += 1
        guard i < count else { throw JSONSyntaxError(.unexpectedEnd, at: i) }
        switch base[i] {
        case 0x22, 0x5C, 0x2F, UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"),
            UInt8(ascii: "t"):
            i += 1
        case UInt8(ascii: "u"):
            i += 1
            let unit = try hex4(at: at)
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard i + 1 < count, base[i] == 0x5C, base[i + 1] == UInt8(ascii: "u") else {
                    throw JSONSyntaxError(.unpairedSurrogate, at: at)
                }
                i += 2
                let low = try hex4(at: at)
                guard low >= 0xDC00 && low <= 0xDFFF else { throw JSONSyntaxError(.unpairedSurrogate, at: at) }
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                throw JSONSyntaxError(.unpairedSurrogate, at: at)
            }
        default:
            throw JSONSyntaxError(.invalidEscape, at: at)
        }
    }

    private mutating func hex4(at escapeStart: Int) throws(JSONSyntaxError) -> UInt32 {
        guard i + 4 <= count else { throw JSONSyntaxError(.invalidUnicodeEscape, at: escapeStart) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let d = hexDigitValue(base[i]) else { throw JSONSyntaxError(.invalidUnicodeEscape, at: escapeStart) }
            value = value << 4 | d
            i += 1
        }
        return value
    }

    /// Validates one multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
    private mutating func scanUTF8Sequence() throws(JSONSyntaxError) {
        let b0 = base[i]
        let at = i
        var need: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: need = 1
        case 0xE0:
            need = 2
            lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED:
            need = 2
            upper = 0x9F
        case 0xF0:
            need = 3
            lower = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4:
            need = 3
            upper = 0x8F
        default: throw JSONSyntaxError(.invalidUTF8, at: at)
        }
        i += 1
        guard i + need <= count else { throw JSONSyntaxError(.invalidUTF8, at: at) }
        let b1 = base[i]
        guard b1 >= lower && b1 <= upper else { throw JSONSyntaxError(.invalidUTF8, at: at) }
        i += 1
        need -= 1
        while need > 0 {
            guard base[i] & 0xC0 == 0x80 else { throw JSONSyntaxError(.invalidUTF8, at: at) }
            i += 1
            need -= 1
        }
    }
}

@inline(__always)
func hexDigitValue(_ b: UInt8) -> UInt32? {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(b - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(b - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(b - UInt8(ascii: "A") + 10)
    default: return nil
    }
}

/// Byte-parallel tests on eight bytes in a UInt64 (the classic "has zero byte" trick).
enum JSONSWAR {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// High bit set in bytes equal to `b` (exact for the lowest match; little-endian loads).
    @inline(__always)
    static func equalMask(_ v: UInt64, _ b: UInt8) -> UInt64 {
        let x = v ^ (ones &* UInt64(b))
        return (x &- ones) & ~x & highs
    }

    /// High bit set in bytes that are < 0x20, '"', '\\' or >= 0x80; the lowest set bit is exact.
    @inline(__always)
    static func attentionMask(_ v: UInt64) -> UInt64 {
        let control = (v &- ones &* 0x20) & ~v & highs
        return (v & highs) | control | equalMask(v, 0x22) | equalMask(v, 0x5C)
    }
}

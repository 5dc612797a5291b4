import Hashing
import JSONCodec
import SyncCore

/// The canonical text of a value, for content hashes: members sorted by key, numbers in one
/// normal form, strings escaped minimally. Key order, `1.50` vs `1.5`, or `\u00e9` vs `é`
/// therefore never make a record look changed.
public enum CanonicalJSON {
    public static func write(_ value: JSONValue, into w: inout JSONWriter) {
        switch value {
        case .null, .bool, .string: w.writeValue(value)
        case .number(let text): w.writeRaw(Array(CanonicalNumber.normalize(text).utf8))
        case .array(let elements):
            w.writeByte(UInt8(ascii: "["))
            for (k, e) in elements.enumerated() {
                if k > 0 { w.writeByte(UInt8(ascii: ",")) }
                write(e, into: &w)
            }
            w.writeByte(UInt8(ascii: "]"))
        case .object(let object):
            w.writeByte(UInt8(ascii: "{"))
            // UTF-8 byte order, the same order the tape form uses.
            let sorted = object.members.enumerated().sorted { a, b in
                a.element.key == b.element.key
                    ? a.offset < b.offset : a.element.key.utf8.lexicographicallyPrecedes(b.element.key.utf8)
            }
            for (k, member) in sorted.enumerated() {
                if k > 0 { w.writeByte(UInt8(ascii: ",")) }
                w.writeString(member.element.key)
                w.writeByte(UInt8(ascii: ":"))
                write(member.element.value, into: &w)
            }
            w.writeByte(UInt8(ascii: "}"))
        }
    }

    public static func hash(_ value: JSONValue) -> StableHash128 {
        var w = JSONWriter(capacity: 256)
        write(value, into: &w)
        return StableHash128(w.bytes)
    }
}

/// One text per numeric value: no leading zeros, no trailing fraction zeros, no `+`, an
/// exponent only when the value needs one, `-0` as `0`. Exact: digits are moved, never rounded.
public enum CanonicalNumber {
    public static func normalize(_ text: String) -> String {
        var bytes = Array(text.utf8)[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes = bytes.dropFirst()
        }
        var digits: [UInt8] = []
        var exponent = 0
        var seenPoint = false
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: ".") {
                seenPoint = true
            } else if b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
                break
            } else {
                digits.append(b)
                if seenPoint { exponent -= 1 }
            }
            i += 1
        }
        if i < bytes.endIndex, let e = Int(String(decoding: bytes[(i + 1)...], as: UTF8.self).replacingPlus()) {
            exponent += e
        }
        while digits.first == UInt8(ascii: "0") { digits.removeFirst() }
        while digits.last == UInt8(ascii: "0") {
            digits.removeLast()
            exponent += 1
        }
        if digits.isEmpty { return "0" }
        let sign = negative ? "-" : ""
        let d = String(decoding: digits, as: UTF8.self)
        if exponent >= 0 && exponent <= 20 { return sign + d + String(repeating: "0", count: exponent) }
        if exponent < 0 && -exponent < digits.count {
            let split = digits.count + exponent
            return sign + String(d.prefix(split)) + "." + String(d.dropFirst(split))
        }
        if exponent < 0 && -exponent - digits.count <= 20 {
            return sign + "0." + String(repeating: "0", count: -exponent - digits.count) + d
        }
        return sign + d + "e" + String(exponent)
    }
}

extension String {
    fileprivate func replacingPlus() -> String { hasPrefix("+") ? String(dropFirst()) : self }
}

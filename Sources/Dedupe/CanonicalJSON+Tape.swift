import JSONCodec
#if canImport(Glibc)
import Glibc
#endif

extension CanonicalJSON {
    /// Canonical text of the tape value at `index` (as `write(_ value:)` would give for its
    /// tree), leaving out the top-level members named in `skipping`. Keys are compared as
    /// UTF-8 bytes, without building strings, on the common path of keys without escapes.
    public static func write(_ tape: JSONTape, at index: Int, skipping: [[UInt8]] = [], into w: inout JSONWriter) {
        let t = tape[index]
        switch t.kind {
        case .null: w.writeRaw("null")
        case .true: w.writeRaw("true")
        case .false: w.writeRaw("false")
        case .string: w.writeStringToken(tape, at: index)
        case .number:
            let raw = tape.rawBytes(index)
            if isPlainInteger(raw) { w.writeRaw(raw) } else {
                w.writeRaw(Array(CanonicalNumber.normalize(String(decoding: raw, as: UTF8.self)).utf8))
            }
        case .array:
            w.writeByte(UInt8(ascii: "["))
            var k = index + 1
            for e in 0..<Int(t.start) {
                if e > 0 { w.writeByte(UInt8(ascii: ",")) }
                write(tape, at: k, into: &w)
                k = Int(tape[k].next)
            }
            w.writeByte(UInt8(ascii: "]"))
        case .object:
            var members: [(key: [UInt8]?, token: Int)] = []
            for key in tape.memberKeys(ofObject: index) {
                let decoded: [UInt8]? = tape[key].hasEscapes ? Array(tape.decodeString(key).utf8) : nil
                if !skipping.isEmpty, skipping.contains(where: { name in keyBytesEqual(tape, key, decoded, name) }) { continue }
                members.append((decoded, key))
            }
            members.sort { a, b in keyPrecedes(tape, a, b) }
            w.writeByte(UInt8(ascii: "{"))
            for (k, member) in members.enumerated() {
                if k > 0 { w.writeByte(UInt8(ascii: ",")) }
                w.writeStringToken(tape, at: member.token)
                w.writeByte(UInt8(ascii: ":"))
                write(tape, at: member.token + 1, into: &w)
            }
            w.writeByte(UInt8(ascii: "}"))
        }
    }

    private static func keyBytesEqual(_ tape: JSONTape, _ key: Int, _ decoded: [UInt8]?, _ name: [UInt8]) -> Bool {
        if let decoded { return decoded == name }
        return name.withUnsafeBufferPointer { tape.stringEquals(key, $0) }
    }

    /// UTF-8 byte order of two keys (ties broken by position, as the tree form does).
    private static func keyPrecedes(_ tape: JSONTape, _ a: (key: [UInt8]?, token: Int), _ b: (key: [UInt8]?, token: Int)) -> Bool {
        func compare(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Int {
            let n = min(x.count, y.count)
            if n > 0 {
                let c = memcmp(x.baseAddress!, y.baseAddress!, n)
                if c != 0 { return Int(c) }
            }
            return x.count - y.count
        }
        let order: Int
        switch (a.key, b.key) {
        case (nil, nil): order = compare(tape.rawBytes(a.token), tape.rawBytes(b.token))
        case (let x?, nil): order = x.withUnsafeBufferPointer { compare($0, tape.rawBytes(b.token)) }
        case (nil, let y?): order = y.withUnsafeBufferPointer { compare(tape.rawBytes(a.token), $0) }
        case (let x?, let y?): order = x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { compare(xp, $0) } }
        }
        return order != 0 ? order < 0 : a.token < b.token
    }

    public static func hash(_ tape: JSONTape, at index: Int, skipping: [[UInt8]] = []) -> StableHash128 {
        var w = JSONWriter(capacity: 512)
        write(tape, at: index, skipping: skipping, into: &w)
        return w.bytes.withUnsafeBufferPointer { StableHash128(UnsafeRawBufferPointer($0)) }
    }

    /// `0` or `-?[1-9][0-9]*`: already canonical, the common case, kept off the slow path.
    static func isPlainInteger(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = raw.first else { return false }
        let digits = first == UInt8(ascii: "-") ? raw.dropFirst() : raw[...]
        guard let lead = digits.first, lead != UInt8(ascii: "0") || digits.count == 1 else { return false }
        return digits.allSatisfy { $0 &- 48 < 10 } && !(first == UInt8(ascii: "-") && lead == UInt8(ascii: "0"))
    }
}

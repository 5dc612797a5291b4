import Hashing
import JSONCodec
import SyncCore

extension CanonicalJSON {
    /// Canonical text of the tape value at `index` (as `write(_ value:)` would give for its
    /// tree), leaving out the top-level members named in `skipping`. Keys are compared as
    /// UTF-8 bytes; sorting uses one shared stack of key tokens (`CanonicalHasher` keeps it),
    /// so nothing is allocated per object on the common path of keys without escapes.
    static func write(
        _ tape: JSONTape, at index: Int, skipping: [[UInt8]], stack: inout [Int], into w: inout JSONWriter
    ) {
        let t = tape[index]
        switch t.kind {
        case .null: w.writeRaw("null")
        case .true: w.writeRaw("true")
        case .false: w.writeRaw("false")
        case .string: w.writeStringToken(tape, at: index)
        case .number:
            let raw = tape.bytes(index)
            if isPlainInteger(raw) {
                w.writeRaw(raw)
            } else {
                w.writeRaw(Array(CanonicalNumber.normalize(String(decodingUTF8: raw)).utf8))
            }
        case .array:
            w.writeByte(UInt8(ascii: "["))
            var k = index + 1
            for e in 0..<Int(t.start) {
                if e > 0 { w.writeByte(UInt8(ascii: ",")) }
                write(tape, at: k, skipping: [], stack: &stack, into: &w)
                k = Int(tape[k].next)
            }
            w.writeByte(UInt8(ascii: "]"))
        case .object where t.start <= 16:
            writeSmallObject(tape, at: index, skipping: skipping, stack: &stack, into: &w)
        case .object:
            writeLargeObject(tape, at: index, skipping: skipping, stack: &stack, into: &w)
        }
    }

    /// An object of more than 16 members: its keys on the shared stack, sorted in place.
    private static func writeLargeObject(
        _ tape: JSONTape, at index: Int, skipping: [[UInt8]], stack: inout [Int], into w: inout JSONWriter
    ) {
        let base = stack.count
        for key in tape.memberKeys(ofObject: index) {
            if !skipping.isEmpty, skipping.contains(where: { name in keyEquals(tape, key, name) }) { continue }
            stack.append(key)
        }
        stack[base...].sort { a, b in keyPrecedes(tape, a, b) }
        w.writeByte(UInt8(ascii: "{"))
        var k = base
        while k < stack.count {
            let key = stack[k]
            if k > base { w.writeByte(UInt8(ascii: ",")) }
            w.writeStringToken(tape, at: key)
            w.writeByte(UInt8(ascii: ":"))
            let end = stack.count
            write(tape, at: key + 1, skipping: [], stack: &stack, into: &w)
            stack.removeSubrange(end...)
            k += 1
        }
        stack.removeSubrange(base...)
        w.writeByte(UInt8(ascii: "}"))
    }

    /// An object of up to 16 members (every record's): its keys and their first eight bytes in
    /// fixed-size arrays on the stack, sorted by those bytes as one integer (the whole key when it
    /// is no longer, and the keys of a record differ in them), the rest compared only on a tie.
    /// The shared stack and a byte comparison per step were most of a resync's hashing.
    private static func writeSmallObject(
        _ tape: JSONTape, at index: Int, skipping: [[UInt8]], stack: inout [Int], into w: inout JSONWriter
    ) {
        var keys = InlineArray<16, Int>(repeating: 0)
        var prefixes = InlineArray<16, UInt64>(repeating: 0)
        var n = 0
        var escapes = false
        for key in tape.memberKeys(ofObject: index) {
            if !skipping.isEmpty, skipping.contains(where: { name in keyEquals(tape, key, name) }) { continue }
            keys[n] = key
            if tape[key].hasEscapes { escapes = true } else { prefixes[n] = prefix(tape.bytes(key)) }
            n += 1
        }
        var i = 1
        while i < n {
            let (key, p) = (keys[i], prefixes[i])
            var j = i
            while j > 0 {
                let (other, q) = (keys[j - 1], prefixes[j - 1])
                let before = escapes || p == q ? keyPrecedes(tape, key, other) : p < q
                guard before else { break }
                keys[j] = other
                prefixes[j] = q
                j -= 1
            }
            keys[j] = key
            prefixes[j] = p
            i += 1
        }
        w.writeByte(UInt8(ascii: "{"))
        for k in 0..<n {
            if k > 0 { w.writeByte(UInt8(ascii: ",")) }
            w.writeStringToken(tape, at: keys[k])
            w.writeByte(UInt8(ascii: ":"))
            write(tape, at: keys[k] + 1, skipping: [], stack: &stack, into: &w)
        }
        w.writeByte(UInt8(ascii: "}"))
    }

    /// The first eight bytes, the first most significant, zeros after a shorter key: integer order
    /// is their byte order (a key holds no zero byte; a control character is escaped).
    private static func prefix(_ bytes: Span<UInt8>) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | (i < bytes.count ? UInt64(bytes[i]) : 0) }
        return value
    }

    private static func keyEquals(_ tape: JSONTape, _ key: Int, _ name: [UInt8]) -> Bool {
        if tape[key].hasEscapes { return Array(tape.decodeString(key).utf8) == name }
        return tape.stringEquals(key, name.span)
    }

    /// UTF-8 byte order of two keys (ties broken by position, as the tree form does).
    private static func keyPrecedes(_ tape: JSONTape, _ a: Int, _ b: Int) -> Bool {
        let order: Int
        if !tape[a].hasEscapes && !tape[b].hasEscapes {
            order = tape.bytes(a).compareBytes(tape.bytes(b))
        } else {
            let x = Array(tape.decodeString(a).utf8)
            let y = Array(tape.decodeString(b).utf8)
            order = x.span.compareBytes(y.span)
        }
        return order != 0 ? order < 0 : a < b
    }

    /// `0` or `-?[1-9][0-9]*`: already canonical, the common case, kept off the slow path.
    static func isPlainInteger(_ raw: Span<UInt8>) -> Bool {
        guard let first = raw.first else { return false }
        let digits = first == UInt8(ascii: "-") ? raw.extracting(1...) : raw
        guard let lead = digits.first, lead != UInt8(ascii: "0") || digits.count == 1 else { return false }
        return digits.allSatisfy { $0 &- 48 < 10 } && !(first == UInt8(ascii: "-") && lead == UInt8(ascii: "0"))
    }
}

/// Content hashes of many records with one reused buffer and sort stack (no allocation per record).
struct CanonicalHasher: ~Copyable {
    private var writer = JSONWriter(capacity: 1024)
    private var stack: [Int] = []

    init() { stack.reserveCapacity(64) }

    mutating func hash(_ tape: JSONTape, at index: Int, skipping: [[UInt8]]) -> StableHash128 {
        writer.bytes.removeAll()
        stack.removeAll(keepingCapacity: true)
        CanonicalJSON.write(tape, at: index, skipping: skipping, stack: &stack, into: &writer)
        return StableHash128(writer.bytes)
    }
}

import JSONCodec

/// A 128-bit hash that is the same on every run and machine (unlike Swift's seeded `Hasher`),
/// for persistent keys and content hashes. Two 64-bit multiply-rotate lanes, finished with
/// MurmurHash3's fmix64; not cryptographic, but collisions among 10^10 keys are ~10^-19 likely (docs/state.md).
public struct StableHash128: Hashable, Comparable, Sendable {
    public var hi: UInt64
    public var lo: UInt64

    /// 32 lowercase hex digits, high word first.
    public var hex: String {
        func word(_ w: UInt64) -> String {
            let text = String(w, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }
        return word(hi) + word(lo)
    }

    public init(hi: UInt64, lo: UInt64) {
        self.hi = hi
        self.lo = lo
    }

    public init(_ bytes: Span<UInt8>) {
        var a: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var b: UInt64 = 0xC2B2_AE3D_27D4_EB4F &+ UInt64(bytes.count)
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            // Little-endian, whatever the machine: the hash is stored, so it must not depend on it.
            let w = bytes.loadLittleEndian(UInt64.self, at: i)
            a = (a ^ (w &* 0x87C3_7B91_1142_53D5)).rotl(31) &* 0x4CF5_AD43_2745_937F
            b = (b ^ (w &* 0x4CF5_AD43_2745_937F)).rotl(29) &* 0x87C3_7B91_1142_53D5
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        a = (a ^ (tail &* 0x87C3_7B91_1142_53D5)).rotl(31) &* 0x4CF5_AD43_2745_937F
        b = (b ^ (tail &* 0x4CF5_AD43_2745_937F)).rotl(29) &* 0x87C3_7B91_1142_53D5
        a = Self.fmix(a &+ b)
        b = Self.fmix(b &+ a)
        hi = a
        lo = b
    }

    public init(_ text: String) {
        var copy = text
        self = copy.withUTF8 { StableHash128($0.span) }
    }

    /// The hash of a buffer's content (a canonical form just written).
    public init(_ buffer: borrowing ByteBuffer) {
        self = StableHash128(buffer.span)
    }

    public init(_ bytes: [UInt8]) {
        self = StableHash128(bytes.span)
    }

    static func fmix(_ k0: UInt64) -> UInt64 {
        var k = k0
        k ^= k >> 33
        k &*= 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33
        k &*= 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return k
    }

    public static func < (a: StableHash128, b: StableHash128) -> Bool { (a.hi, a.lo) < (b.hi, b.lo) }

    /// Big-endian bytes, so blob order in SQLite equals numeric order.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        for k in 0..<8 {
            out[k] = UInt8(truncatingIfNeeded: hi >> UInt64(56 - 8 * k))
            out[8 + k] = UInt8(truncatingIfNeeded: lo >> UInt64(56 - 8 * k))
        }
        return out
    }

    public init?(bigEndian raw: Span<UInt8>) {
        guard raw.count == 16 else { return nil }
        var h: UInt64 = 0
        var l: UInt64 = 0
        for k in 0..<8 {
            h = h << 8 | UInt64(raw[k])
            l = l << 8 | UInt64(raw[8 + k])
        }
        hi = h
        lo = l
    }

    /// Six bits of the key chosen by `level`, for hash partitioning (level 0: the top six).
    public func partition(level: Int) -> Int {
        let shift = 58 - 6 * level
        return shift >= 0 ? Int(hi >> UInt64(shift) & 63) : Int(lo >> UInt64(64 + shift) & 63)
    }
}

extension UInt64 {
    @inline(__always)
    func rotl(_ r: UInt64) -> UInt64 { self << r | self >> (64 - r) }
}

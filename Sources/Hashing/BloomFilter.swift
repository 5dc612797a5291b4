/// A Bloom filter over 128-bit key hashes. cv-dedupe keeps one over acknowledged keys in its
/// state file, so that a run's new keys (most of them, in an incremental sync) skip the
/// database entirely; cv-emulator keeps one over the identifiers its contacts hold.
///
/// Blocked: a key's eight bits all fall in one 512-bit block (one cache line), one bit in each
/// of the block's eight words; at 10 bits a key the false-positive rate is about 1.1% (against
/// 0.8% unblocked), and a false positive only costs one lookup in the table. The block comes
/// from the key's high word, the order commits and runs walk keys in, so ten million inserts
/// sweep the filter front to back instead of missing the cache (and the TLB) seven times each.
public struct BloomFilter: Sendable {
    public private(set) var words: [UInt64]
    public static let blockWords = 8

    /// Sized for `capacity` keys at about 1% false positives (10 bits a key), at least 1 MiB.
    public init(capacity: Int) {
        let blocks = max(1 << 14, (capacity * 10 / 64 + 1 + Self.blockWords - 1) / Self.blockWords)
        words = [UInt64](repeating: 0, count: blocks * Self.blockWords)
    }

    public init?(words: [UInt64]) {
        guard words.count >= 64, words.count % Self.blockWords == 0 else { return nil }
        self.words = words
    }

    public var bitCount: Int { words.count * 64 }

    /// Keys it holds before false positives climb past about 1%.
    public var capacity: Int { bitCount / 10 }

    /// The first word of the key's block: multiply-shift maps `hi` onto the blocks (any count),
    /// monotonically, so keys in order visit blocks in order.
    @inline(__always)
    private func block(_ key: StableHash128) -> Int {
        Int(key.hi.multipliedFullWidth(by: UInt64(words.count / Self.blockWords)).high) * Self.blockWords
    }

    /// Bit `(lo >> 6w) & 63` of word w: `lo` is independent of `hi`, so block and bits are too.
    public mutating func insert(_ key: StableHash128) {
        let first = block(key)
        var w = words.mutableSpan
        var h = key.lo
        for i in 0..<Self.blockWords {
            w[first + i] |= 1 << (h & 63)
            h >>= 6
        }
    }

    public func mightContain(_ key: StableHash128) -> Bool {
        let first = block(key)
        let w = words.span
        var h = key.lo
        var missing: UInt64 = 0
        for i in 0..<Self.blockWords {
            missing |= ~w[first + i] & (1 << (h & 63))
            h >>= 6
        }
        return missing == 0
    }
}
